//! Scenarios built in code (as explore/shrink will build them): a valid one
//! prints to JSON that parses back equal; an invalid one fails to parse with
//! the very error `validate` gave.

mod support;

use serde_json::{json, Value};
use simloop_scenario::{
    parse_scenario, validate, Block, Child, Clause, Kind, Limits, ReturnWhen, Scenario, Step,
};
use support::Rng;

const NAMES: [&str; 8] = [
    "a", "b", "main.0", "main.1", "main.0.0", "a.0", "main.2", "zz",
];
const KINDS: [&str; 8] = [
    "E",
    "F",
    "Exception",
    "CancelledError",
    "TimeoutError",
    "BaseException",
    "ExceptionGroup",
    "bad-kind",
];

struct Gen {
    rng: Rng,
}

impl Gen {
    fn block(&mut self, depth: usize) -> Block {
        let len = if depth > 4 {
            self.rng.below(2)
        } else {
            self.rng.below(4)
        };
        let mut block: Block = (0..len).map(|_| self.step(depth)).collect();
        if self.rng.chance(20) {
            block.push(Step::Return(self.value(2)));
        }
        block
    }

    fn value(&mut self, depth: usize) -> Value {
        match self.rng.below(if depth == 0 { 3 } else { 4 }) {
            0 => json!(self.rng.next() as i64),
            1 => json!(*self.rng.pick(&["", "ok", "é\"\\"])),
            2 => Value::Null,
            _ => Value::Array(
                (0..self.rng.below(3))
                    .map(|_| self.value(depth - 1))
                    .collect(),
            ),
        }
    }

    fn children(&mut self, depth: usize) -> Vec<Child> {
        (0..self.rng.below(3)).map(|_| self.child(depth)).collect()
    }

    fn child(&mut self, depth: usize) -> Child {
        let body = self.block(depth + 1);
        if self.rng.chance(25) {
            Child::named(*self.rng.pick(&NAMES), body)
        } else {
            Child::new(body)
        }
    }

    fn kind(&mut self) -> Kind {
        let name: &&str = self.rng.pick(&KINDS);
        Kind::from_name(name)
    }

    fn kinds(&mut self) -> Vec<Kind> {
        (0..self.rng.below(3)).map(|_| self.kind()).collect()
    }

    fn clauses(&mut self, depth: usize) -> Vec<Clause> {
        (0..self.rng.below(4))
            .map(|_| Clause {
                kinds: self.kinds(),
                body: self.block(depth + 1),
            })
            .collect()
    }

    fn ticks(&mut self) -> u64 {
        if self.rng.chance(2) {
            u64::MAX
        } else {
            self.rng.below(1000) as u64
        }
    }

    fn opt<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        if self.rng.chance(50) {
            Some(f(self))
        } else {
            None
        }
    }

    fn step(&mut self, depth: usize) -> Step {
        let leaf = depth > 5;
        match self.rng.below(if leaf { 8 } else { 17 }) {
            0 => Step::Sleep(self.ticks()),
            1 => Step::Return(self.value(2)),
            2 => Step::Raise(self.kind()),
            3 => Step::Hang,
            4 => Step::Await(self.rng.pick(&NAMES).to_string()),
            5 => Step::Cancel(self.rng.pick(&NAMES).to_string()),
            6 => Step::Uncancel,
            7 => Step::Sleep(0),
            8 => Step::Spawn(self.child(depth)),
            9 => Step::Gather {
                children: self.children(depth),
                return_exceptions: self.rng.chance(50),
            },
            10 => Step::TaskGroup {
                children: self.children(depth),
                then: self.block(depth + 1),
            },
            11 => Step::Wait {
                children: self.children(depth),
                return_when: *self.rng.pick(&ReturnWhen::ALL),
                timeout: self.opt(|g| g.ticks()),
                cancel_pending: self.rng.chance(50),
            },
            12 => Step::AsCompleted {
                children: self.children(depth),
                take: self.opt(|g| g.rng.below(4)),
                timeout: self.opt(|g| g.ticks()),
                skip_errors: self.rng.chance(50),
                cancel_rest: self.rng.chance(50),
            },
            13 => Step::Timeout {
                delay: self.ticks(),
                body: self.block(depth + 1),
            },
            14 => Step::Shield(self.child(depth)),
            15 => Step::Acquire {
                sem: self.rng.pick(&["s", "t"]).to_string(),
                body: self.block(depth + 1),
            },
            _ if self.rng.chance(50) => Step::Try {
                body: self.block(depth + 1),
                excepts: self.clauses(depth),
                finally: self.block(depth + 1),
            },
            _ => Step::TryStar {
                body: self.block(depth + 1),
                excepts: self.clauses(depth),
                finally: self.block(depth + 1),
            },
        }
    }

    fn scenario(&mut self) -> Scenario {
        let mut s = Scenario::new(self.block(1));
        if self.rng.chance(70) {
            s.semaphores.insert("s".into(), self.rng.below(3) as u64);
        }
        if self.rng.chance(30) {
            s.name = Some("generated".into());
            s.description = Some("a \"quoted\" description".into());
        }
        if self.rng.chance(20) {
            s.expect = Some(json!({"main": {"ok": null}, "end_time": 5}));
        }
        s
    }
}

#[test]
fn generated_scenarios_round_trip() {
    let limits = Limits::default();
    let mut gen = Gen { rng: Rng::new(7) };
    let (mut valid, total) = (0, 4000);
    for i in 0..total {
        let s = gen.scenario();
        let text = s.to_json_string();
        match (validate(&s, &limits), parse_scenario(&text)) {
            (Ok(()), Ok(parsed)) => {
                assert_eq!(parsed, s, "#{i}: {text}");
                assert_eq!(parsed.to_json(), s.to_json());
                valid += 1;
            }
            (Err(want), Err(got)) => assert_eq!(got, want, "#{i}: {text}"),
            (want, got) => panic!(
                "#{i}: validate gave {want:?}, parse gave {:?}\n{text}",
                got.map(|_| ())
            ),
        }
    }
    assert!(
        valid > total / 10,
        "only {valid} valid scenarios of {total}"
    );
}

#[test]
fn pretty_text_parses_too() {
    let mut gen = Gen { rng: Rng::new(11) };
    for _ in 0..500 {
        let s = gen.scenario();
        if validate(&s, &Limits::default()).is_ok() {
            let pretty = serde_json::to_string_pretty(&s.to_json()).unwrap();
            assert_eq!(parse_scenario(&pretty).unwrap(), s);
        }
    }
}

#[test]
fn reraise_round_trips() {
    let text = r#"{"main":[{"try_star":[{"raise":"A"}],"except_star":[{"kinds":["A"],"do":[{"sleep":1},{"reraise":null}]}]}]}"#;
    let s = parse_scenario(text).expect("valid");
    assert_eq!(s.to_json_string(), text);
}

#[test]
fn repr_and_reschedule_round_trip() {
    let text = r#"{"semaphores":{"s":1},"events":["go"],"main":[{"timeout":5,"body":[{"reschedule":3},{"reschedule":null},{"repr":"timeout"},{"task_group":[[{"repr":"task_group"},{"repr":"timeout"}]],"then":[{"repr":{"semaphore":"s"}},{"repr":{"event":"go"}}]}]}]}"#;
    let s = parse_scenario(text).expect("valid");
    assert_eq!(s.to_json_string(), text);
}

#[test]
fn events_round_trip_in_canonical_order() {
    let text = r#"{"semaphores":{"s":1},"events":["go","ready"],"main":[{"event_set":"go"},{"event_wait":"ready"},{"event_clear":"go"}]}"#;
    let s = parse_scenario(text).expect("valid");
    assert_eq!(s.events.len(), 2);
    assert_eq!(s.to_json_string(), text);
}

#[test]
fn bounded_semaphores_round_trip_as_objects() {
    let text = r#"{"semaphores":{"b":{"value":2,"bounded":true},"s":1},"main":[{"release":"b"},{"acquire":"s","body":[{"release":"s"}]}]}"#;
    let s = parse_scenario(text).expect("valid");
    assert_eq!(s.bounded.len(), 1);
    assert_eq!(s.to_json_string(), text);
    // `"bounded": false` is the plain form.
    let plain = parse_scenario(r#"{"semaphores":{"s":{"value":1,"bounded":false}},"main":[]}"#)
        .expect("valid");
    assert!(plain.bounded.is_empty());
    assert_eq!(
        plain.to_json_string(),
        r#"{"semaphores":{"s":1},"main":[]}"#
    );
}

#[test]
fn futures_round_trip_in_canonical_order() {
    let text = r#"{"events":["e"],"futures":["f","g"],"main":[{"future_set":"f","value":[1,"x"]},{"future_set":"g"},{"future_fail":"g","error":"Boom"},{"future_cancel":"f"},{"await_future":"f"},{"gather_tasks":["f","g"]}]}"#;
    let s = parse_scenario(text).expect("valid");
    assert_eq!(s.futures.len(), 2);
    assert_eq!(s.to_json_string(), text);
}

#[test]
fn gather_and_wait_of_tasks_by_name_round_trip() {
    let text = r#"{"main":[{"spawn":{"name":"a","body":[]}},{"gather_tasks":["a","a"],"return_exceptions":true},{"wait_tasks":["a"],"return_when":"FIRST_COMPLETED","timeout":3,"cancel_pending":true},{"gather_tasks":[]}]}"#;
    let s = parse_scenario(text).expect("valid");
    assert_eq!(s.to_json_string(), text);
}
