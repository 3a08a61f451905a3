//! `generate`: valid, deterministic forever, and covering the format.

use std::collections::BTreeMap;

use simloop_explore::{generate, GenConfig};
use simloop_scenario::{validate, Block, Child, Kind, Limits, ReturnWhen, Scenario, Step};

/// Every step of a block and, for a task-creating step, its children, in
/// document order.
fn visit<'a>(b: &'a Block, f: &mut dyn FnMut(&'a Step, &'a [Child])) {
    for step in b {
        f(step, step.children());
        for inner in step.blocks() {
            visit(inner, f);
        }
    }
}

/// FNV-1a, 64 bits: a hash that never changes between Rust versions.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[test]
fn every_scenario_is_valid() {
    let cfg = GenConfig::default();
    for seed in 0..10_000 {
        let s = generate(seed, &cfg);
        if let Err(e) = validate(&s, &Limits::default()) {
            panic!("seed {seed}: {e}\n{}", s.to_json_string());
        }
    }
}

#[test]
fn profile_trees_are_valid_with_events_hand_offs_bounded_semaphores_and_handlers_re_raising_their_group(
) {
    use simloop_core::Profile;
    let cfg = GenConfig::default().for_profile(Profile::Py313);
    let (mut awaiting, mut with_events, mut handoffs) = (0, 0, 0);
    let (mut bounded_releases, mut by_name, mut with_futures) = (0, 0, 0);
    for seed in 0..3_000 {
        let s = generate(seed, &cfg);
        if let Err(e) = validate(&s, &Limits::default()) {
            panic!("seed {seed}: {e}\n{}", s.to_json_string());
        }
        // The rewrite only adds names and awaits: the default tree is
        // the same but for them.
        let plain = generate(seed, &GenConfig::default());
        assert!(s.steps().len() >= plain.steps().len());
        handoffs += usize::from(s.semaphores.contains_key("handoff"));
        let released = s
            .steps()
            .iter()
            .filter_map(|st| match st {
                Step::Release(sem) => Some(sem.clone()),
                _ => None,
            })
            .collect::<Vec<_>>();
        for sem in &released {
            assert!(
                s.bounded.contains(sem),
                "seed {seed}: {sem} is released but not bounded"
            );
        }
        bounded_releases += usize::from(!released.is_empty());
        if s.steps()
            .iter()
            .any(|st| matches!(st, Step::AwaitFuture(f) if f == "fut"))
        {
            assert!(s.futures.contains("fut"));
            with_futures += 1;
        }
        by_name += usize::from(
            s.steps()
                .iter()
                .any(|st| matches!(st, Step::GatherTasks { .. } | Step::WaitTasks { .. })),
        );
        let steps = s.steps();
        let has = |f: fn(&Step) -> bool| steps.iter().any(|st| f(st));
        if has(|st| matches!(st, Step::EventSet(e) if e == "ev"))
            && has(|st| matches!(st, Step::EventWait(e) if e == "ev"))
        {
            assert!(s.events.contains("ev"));
            with_events += 1;
        }
        for step in s.steps() {
            if let Step::TryStar { body, excepts, .. } = step {
                // [spawn rN (the group), await rN], a handler awaiting rN.
                let (Some(Step::Spawn(child)), Some(Step::Await(n))) = (body.first(), body.get(1))
                else {
                    continue;
                };
                if child.name.as_ref() == Some(n)
                    && matches!(child.body.first(), Some(Step::TaskGroup { .. }))
                {
                    awaiting += excepts
                        .iter()
                        .filter(|c| matches!(c.body.first(), Some(Step::Await(m)) if m == n))
                        .count();
                }
            }
        }
    }
    assert!(
        awaiting > 100,
        "{awaiting} handlers re-raise the group they handle"
    );
    assert!(handoffs > 100, "{handoffs} trees race a semaphore hand-off");
    // 8% of 3,000.
    assert!(
        (150..330).contains(&bounded_releases),
        "{bounded_releases} trees release a bounded semaphore"
    );
    // 10% of 3,000.
    assert!(
        (200..400).contains(&by_name),
        "{by_name} trees gather or wait for tasks by name"
    );
    // 10% of 3,000.
    assert!(
        (200..400).contains(&with_futures),
        "{with_futures} trees await a bare future"
    );
    assert!(
        with_events > 300,
        "{with_events} trees set and wait on an event"
    );
}

/// `reschedule` and `repr` in about 10% of the profile trees, valid, and
/// where the outcome shows what they did: a `repr` string in a task's
/// value, a `RuntimeError` from a reschedule after the deadline.
#[test]
fn profile_trees_reschedule_timeouts_and_print_scopes_and_primitives() {
    use simloop_core::{Config, Profile};
    use simloop_scenario::ReprOf;
    let cfg = GenConfig::default().for_profile(Profile::Py313);
    let (mut trees, mut reschedules, mut shown, mut runtime_errors) = (0, 0, 0, 0);
    let mut printed: BTreeMap<&str, usize> = BTreeMap::new();
    for seed in 0..3_000 {
        let s = generate(seed, &cfg);
        let steps = s.steps();
        let reprs: Vec<&ReprOf> = steps
            .iter()
            .filter_map(|st| match st {
                Step::Repr(of) => Some(of),
                _ => None,
            })
            .collect();
        let moved = steps.iter().any(|st| matches!(st, Step::Reschedule(_)));
        if reprs.is_empty() && !moved {
            continue;
        }
        trees += 1;
        reschedules += usize::from(moved);
        for of in reprs {
            let what = match of {
                ReprOf::Semaphore(_) => "semaphore",
                ReprOf::Event(_) => "event",
                ReprOf::Timeout => "timeout",
                ReprOf::TaskGroup => "task_group",
            };
            *printed.entry(what).or_default() += 1;
        }
        let run = simloop_scenario::run(&s, Config::new(Profile::Py313)).expect("no run limit");
        let text = run.outcome.to_json().to_string();
        shown += usize::from(text.contains("\"<"));
        runtime_errors += usize::from(text.contains("RuntimeError"));
    }
    assert!(
        (200..400).contains(&trees),
        "{trees} trees reschedule or print"
    );
    assert!(reschedules > 50, "{reschedules} trees reschedule a timeout");
    assert!(shown > 80, "{shown} outcomes show a printed object");
    assert!(
        runtime_errors > 5,
        "{runtime_errors} outcomes show a late reschedule"
    );
    for what in ["semaphore", "event", "timeout", "task_group"] {
        assert!(printed.get(what).copied().unwrap_or(0) > 20, "{printed:?}");
    }
}

/// A bare `raise` ends a handler in some profile trees, directly in the
/// handler's block (validation refuses it anywhere else).
#[test]
fn profile_trees_re_raise_what_their_handlers_handle() {
    use simloop_core::Profile;
    let cfg = GenConfig::default().for_profile(Profile::Py313);
    let (mut trees, mut star) = (0, 0);
    for seed in 0..3_000 {
        let s = generate(seed, &cfg);
        let steps = s.steps();
        let ends_with_reraise = |excepts: &[simloop_scenario::Clause]| {
            excepts
                .iter()
                .any(|c| matches!(c.body.last(), Some(Step::Reraise)))
        };
        if steps.iter().any(|st| matches!(st, Step::Reraise)) {
            trees += 1;
        }
        star +=
            usize::from(steps.iter().any(
                |st| matches!(st, Step::TryStar { excepts, .. } if ends_with_reraise(excepts)),
            ));
    }
    assert!(
        (100..300).contains(&trees),
        "{trees} trees re-raise in a handler"
    );
    assert!(
        star > 20,
        "{star} trees re-raise a part in an except* handler"
    );
}

#[test]
fn bigger_and_smaller_configs_stay_valid() {
    let big = GenConfig::default()
        .max_depth(8)
        .max_width(6)
        .max_steps(200)
        .max_tasks(60)
        .max_delay(1000)
        .user_kinds(6);
    let mut tiny = GenConfig::default();
    tiny.max_depth = 0;
    tiny.max_width = 0;
    tiny.max_block = 0;
    tiny.max_steps = 0;
    tiny.max_tasks = 0;
    tiny.max_delay = 0;
    tiny.user_kinds = 0;
    for cfg in [big, tiny] {
        for seed in 0..1_000 {
            let s = generate(seed, &cfg);
            assert!(validate(&s, &Limits::default()).is_ok(), "seed {seed}");
        }
    }
}

#[test]
fn same_seed_same_scenario() {
    let cfg = GenConfig::default();
    for seed in [0, 1, 42, u64::MAX] {
        assert_eq!(generate(seed, &cfg), generate(seed, &cfg));
    }
    assert_ne!(generate(1, &cfg), generate(2, &cfg));
}

/// The seed → scenario map is part of the contract: a seed printed in a
/// failure report must name the same tree in every later version. If this
/// fails, the generator changed: restore it (or, for a deliberate change,
/// say so loudly and update the pins).
#[test]
fn seeds_are_pinned() {
    let cfg = GenConfig::default();
    assert_eq!(
        generate(3, &cfg).to_json_string(),
        PINNED_SEED_3,
        "seed 3 changed"
    );
    let all: String = (0..100)
        .map(|seed| generate(seed, &cfg).to_json_string() + "\n")
        .collect();
    assert_eq!(
        fnv1a(all.as_bytes()),
        PINNED_HASH_0_100,
        "seeds 0..100 changed"
    );
}

const PINNED_SEED_3: &str = r#"{"semaphores":{"sem":2},"main":[{"gather":[[{"acquire":"sem","body":[{"sleep":20},{"raise":"Oops"}]}],[{"acquire":"sem","body":[{"sleep":20},{"raise":"Oops"}]}]],"return_exceptions":true},{"raise":"Oops"}]}"#;

/// FNV-1a of the canonical JSON of seeds 0..100, one per line.
const PINNED_HASH_0_100: u64 = 0x8d80_1de1_2f98_46c2;

#[derive(Default)]
struct Stats {
    keys: BTreeMap<&'static str, usize>,
    features: BTreeMap<String, usize>,
    steps: Vec<usize>,
    tasks: Vec<usize>,
}

impl Stats {
    fn feature(&mut self, f: impl Into<String>) {
        *self.features.entry(f.into()).or_default() += 1;
    }

    fn scenario(&mut self, s: &Scenario) {
        let (mut steps, mut tasks) = (0, 0);
        let mut seen = Vec::new();
        if !s.semaphores.is_empty() {
            seen.push("semaphores".to_owned());
        }
        visit(&s.main, &mut |step, children| {
            steps += 1;
            tasks += children.len();
            *self.keys.entry(step.key()).or_default() += 1;
            if children.iter().any(|c| c.name.is_some()) {
                seen.push("named child".into());
            }
            match step {
                Step::Gather {
                    return_exceptions, ..
                } => seen.push(format!("gather return_exceptions={return_exceptions}")),
                Step::Wait {
                    return_when,
                    timeout,
                    cancel_pending,
                    ..
                } => {
                    seen.push(format!("wait {return_when}"));
                    if timeout.is_some() {
                        seen.push("wait timeout".into());
                    }
                    if *cancel_pending {
                        seen.push("wait cancel_pending".into());
                    }
                }
                Step::AsCompleted {
                    take,
                    timeout,
                    skip_errors,
                    cancel_rest,
                    ..
                } => {
                    for (on, f) in [
                        (take.is_some(), "as_completed take"),
                        (timeout.is_some(), "as_completed timeout"),
                        (*skip_errors, "as_completed skip_errors"),
                        (*cancel_rest, "as_completed cancel_rest"),
                    ] {
                        if on {
                            seen.push(f.into());
                        }
                    }
                }
                Step::Try {
                    excepts, finally, ..
                } => {
                    if !finally.is_empty() {
                        seen.push("try finally".into());
                    }
                    for k in excepts.iter().flat_map(|c| &c.kinds) {
                        seen.push(format!("except {}", kind_class(k)));
                    }
                }
                Step::TryStar {
                    excepts, finally, ..
                } => {
                    seen.push(format!("try_star {} clauses", excepts.len()));
                    if !finally.is_empty() {
                        seen.push("try_star finally".into());
                    }
                    for k in excepts.iter().flat_map(|c| &c.kinds) {
                        seen.push(format!("except* {}", kind_class(k)));
                    }
                }
                Step::Raise(k) => seen.push(format!("raise {}", kind_class(k))),
                _ => {}
            }
        });
        seen.sort();
        seen.dedup();
        seen.into_iter().for_each(|f| self.feature(f));
        self.steps.push(steps);
        self.tasks.push(tasks);
    }
}

fn kind_class(k: &Kind) -> &str {
    match k {
        Kind::User(_) => "user",
        k => k.name(),
    }
}

/// The shapes that matter, found by looking at the trees.
fn shapes(s: &Scenario, stats: &mut Stats) {
    let mut seen: Vec<&str> = Vec::new();
    visit(&s.main, &mut |step, children| {
        let raises_late =
            |c: &Child| matches!(c.body.as_slice(), [Step::Sleep(d), Step::Raise(_)] if *d > 0);
        if matches!(step, Step::TaskGroup { .. } | Step::Gather { .. })
            && children.iter().any(raises_late)
            && children.len() >= 2
        {
            seen.push("combinator with a child raising after a delay, and siblings");
        }
        match step {
            Step::Try { excepts, .. }
                if excepts
                    .iter()
                    .any(|c| c.kinds.contains(&Kind::CancelledError)) =>
            {
                let c = excepts
                    .iter()
                    .find(|c| c.kinds.contains(&Kind::CancelledError))
                    .unwrap();
                match c.body.last() {
                    Some(Step::Raise(Kind::CancelledError)) => {
                        seen.push("catch CancelledError, re-raise")
                    }
                    Some(Step::Return(_)) => seen.push("catch CancelledError, return a value"),
                    _ => {}
                }
                if c.body.contains(&Step::Uncancel) {
                    seen.push("uncancel after catching");
                }
            }
            Step::Timeout { body, .. } => {
                if body.iter().any(|s| matches!(s, Step::TaskGroup { .. })) {
                    seen.push("timeout around a task group");
                }
                if body.contains(&Step::Hang) {
                    seen.push("hang under a timeout");
                }
            }
            Step::TaskGroup { then, .. } => {
                let mut inner = false;
                for c in children {
                    visit(&c.body, &mut |s, _| {
                        inner |= matches!(s, Step::TaskGroup { .. })
                    });
                }
                if inner {
                    seen.push("nested task groups");
                }
                if children
                    .iter()
                    .any(|c| c.body.iter().any(|s| matches!(s, Step::Timeout { .. })))
                {
                    seen.push("task group around a timeout");
                }
                if then.iter().any(|s| matches!(s, Step::Cancel(_))) {
                    seen.push("task group then cancels a named child");
                }
            }
            Step::Gather {
                return_exceptions: true,
                ..
            } if children.iter().any(|c| {
                let mut cancel = false;
                visit(&c.body, &mut |s, _| {
                    cancel |= *s == Step::Raise(Kind::CancelledError)
                });
                cancel
            }) =>
            {
                seen.push("gather return_exceptions with a child that can end cancelled")
            }
            Step::Acquire { .. } => {}
            _ => {}
        }
        let sem_children = children
            .iter()
            .filter(|c| matches!(c.body.as_slice(), [Step::Acquire { .. }]))
            .count();
        if sem_children >= 2 {
            seen.push("semaphore shared by several children");
        }
        if children.iter().any(|c| c.body == [Step::Hang]) {
            seen.push("bare hang in a child");
        }
    });
    let mut spawned = Vec::new();
    visit(&s.main, &mut |step, _| match step {
        Step::Spawn(Child { name: Some(n), .. }) => spawned.push(n.clone()),
        Step::Await(n) if spawned.contains(n) => seen.push("spawn then await"),
        Step::Cancel(n) if spawned.contains(n) => seen.push("spawn then cancel"),
        _ => {}
    });
    seen.sort();
    seen.dedup();
    seen.into_iter()
        .for_each(|f| stats.feature(format!("shape: {f}")));
}

fn mean(xs: &[usize]) -> f64 {
    xs.iter().sum::<usize>() as f64 / xs.len() as f64
}

#[test]
fn covers_the_format() {
    let cfg = GenConfig::default();
    let mut stats = Stats::default();
    const N: u64 = 2_000;
    for seed in 0..N {
        let s = generate(seed, &cfg);
        stats.scenario(&s);
        shapes(&s, &mut stats);
    }
    println!("step kinds over {N} seeds (total count):");
    for (k, n) in &stats.keys {
        println!("  {k:>13} {n:6}");
    }
    println!("features (scenarios with at least one, of {N}):");
    for (f, n) in &stats.features {
        println!("  {f:<70} {n:5}");
    }
    let (mut steps, mut tasks) = (stats.steps.clone(), stats.tasks.clone());
    steps.sort_unstable();
    tasks.sort_unstable();
    println!(
        "steps: mean {:.1}, median {}, p90 {}, max {}; tasks: mean {:.1}, median {}, max {}",
        mean(&steps),
        steps[steps.len() / 2],
        steps[steps.len() * 9 / 10],
        steps.last().unwrap(),
        mean(&tasks),
        tasks[tasks.len() / 2],
        tasks.last().unwrap()
    );

    let keys = [
        "sleep",
        "return",
        "raise",
        "hang",
        "spawn",
        "await",
        "cancel",
        "uncancel",
        "gather",
        "task_group",
        "wait",
        "as_completed",
        "timeout",
        "shield",
        "acquire",
        "try",
        "try_star",
    ];
    for k in keys {
        assert!(stats.keys.get(k).copied().unwrap_or(0) > 0, "no {k}");
    }
    let mut required: Vec<String> = ReturnWhen::ALL
        .iter()
        .map(|r| format!("wait {r}"))
        .collect();
    required.extend(
        [
            "gather return_exceptions=true",
            "gather return_exceptions=false",
            "as_completed take",
            "as_completed timeout",
            "as_completed skip_errors",
            "as_completed cancel_rest",
            "wait timeout",
            "wait cancel_pending",
            "try finally",
            "try_star 1 clauses",
            "try_star 2 clauses",
            "try_star 3 clauses",
            "try_star finally",
            "except CancelledError",
            "except Exception",
            "except BaseException",
            "except ExceptionGroup",
            "except TimeoutError",
            "except user",
            "except* CancelledError",
            "except* Exception",
            "except* BaseException",
            "except* TimeoutError",
            "except* user",
            "raise user",
            "raise CancelledError",
            "raise TimeoutError",
            "raise Exception",
            "named child",
            "semaphores",
            "shape: combinator with a child raising after a delay, and siblings",
            "shape: catch CancelledError, re-raise",
            "shape: catch CancelledError, return a value",
            "shape: uncancel after catching",
            "shape: timeout around a task group",
            "shape: task group around a timeout",
            "shape: nested task groups",
            "shape: hang under a timeout",
            "shape: bare hang in a child",
            "shape: spawn then await",
            "shape: spawn then cancel",
            "shape: semaphore shared by several children",
            "shape: task group then cancels a named child",
            "shape: gather return_exceptions with a child that can end cancelled",
        ]
        .map(String::from),
    );
    for f in &required {
        // "Decent probability": in at least 1% of the scenarios.
        let n = stats.features.get(f).copied().unwrap_or(0);
        assert!(n >= (N / 100) as usize, "{f}: in {n} of {N} scenarios");
    }
    assert!(
        !stats.features.contains_key("except* ExceptionGroup"),
        "except* ExceptionGroup is invalid"
    );
    assert!(mean(&stats.steps) >= 5.0 && mean(&stats.steps) <= 40.0);
    assert!(*stats.tasks.iter().max().unwrap() <= 20);
}
