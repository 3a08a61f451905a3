//! How often each search strategy's schedules break a scenario's
//! `expect_always`: the failure rates of the README's bug-finding table.
//!
//! ```text
//! cargo run --release --example bug_rates -- 1000 examples/order-bugs/*.json
//! ```
//!
//! For each file: its choice points in CPython's order, then the share of
//! `N` schedules (seeds `0..N`, py313) that break `expect_always` under the
//! seeded policy (jitter 0 and 10) and PCT-style schedules of depth 1, 2
//! and 3 (jitter 10), the strategies of `simloop check`.

use simloop::core::{Config, Policy, Profile, Schedule};
use simloop::scenario::{check_expect, parse_scenario, run, Scenario};

fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: bug_rates N FILE...";
    let n: u64 = args.next().and_then(|a| a.parse().ok()).expect(usage);
    for file in args {
        let text = std::fs::read_to_string(&file).expect("a readable file");
        let scenario = parse_scenario(&text).expect("a valid scenario");
        let Some(always) = scenario.expect_always.clone() else {
            println!("{file}: no expect_always");
            continue;
        };
        let cpython = Policy::Replay(Schedule::default());
        let points = go(&scenario, cpython).sim.choice_points();
        let strategies: [(&str, &dyn Fn(u64) -> Policy); 5] = [
            ("seeded, jitter 0", &|seed| Policy::Seeded {
                seed,
                jitter: 0,
            }),
            ("seeded, jitter 10", &|seed| Policy::Seeded {
                seed,
                jitter: 10,
            }),
            ("pct 1", &|seed| Policy::Pct {
                seed,
                depth: 1,
                points,
                jitter: 10,
            }),
            ("pct 2", &|seed| Policy::Pct {
                seed,
                depth: 2,
                points,
                jitter: 10,
            }),
            ("pct 3", &|seed| Policy::Pct {
                seed,
                depth: 3,
                points,
                jitter: 10,
            }),
        ];
        let mut line = format!("{file}: {points} choice points");
        for (name, policy) in strategies {
            let broken = (0..n)
                .filter(|&seed| {
                    let outcome = go(&scenario, policy(seed)).outcome.to_json();
                    check_expect(&always, &outcome).is_err()
                })
                .count();
            line.push_str(&format!(
                "; {name}: {:.1}%",
                100.0 * broken as f64 / n as f64
            ));
        }
        println!("{line}");
    }
}

fn go(scenario: &Scenario, policy: Policy) -> simloop::scenario::Run {
    run(scenario, Config::new(Profile::Py313).policy(policy)).expect("the run ends")
}
