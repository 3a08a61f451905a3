//! The run model is the same for every program: an async Rust function
//! written against `simloop::asyncio` is checked through the public API
//! only, and gets the same verdicts (and the very same trace) as the
//! equivalent JSON scenario.

use simloop::asyncio::gather::gather;
use simloop::asyncio::locks::Semaphore;
use simloop::asyncio::runner::{run, RunReport};
use simloop::asyncio::taskgroup::task_group;
use simloop::asyncio::timeout::{timeout, with_timeout};
use simloop::check::{check, Checks, Report};
use simloop::core::{sleep, spawn, Config, Exc, Policy, Profile, Sim, TraceMode};
use simloop::scenario::{parse_scenario, run as run_scenario};

/// One fetch: hold the semaphore while "downloading" for `ms` ticks; fail
/// with `Boom` after it if `fails`.
async fn fetch(sem: Semaphore, ms: u64, fails: bool) -> Result<(), Exc> {
    sem.acquire().await?;
    let r = sleep(ms).await;
    sem.release();
    r?;
    if fails {
        return Err(Exc::new("Boom"));
    }
    Ok(())
}

/// Structured: three fetches in a TaskGroup inside a timeout, at most two
/// at a time; the second one fails if `fail`.
async fn fetch_all(fail: bool) -> Result<(), Exc> {
    let sem = Semaphore::named("sem", 2);
    let cm = timeout(100);
    with_timeout(
        &cm,
        task_group(|g| async move {
            for (i, ms) in [10, 20, 30].into_iter().enumerate() {
                let fails = fail && i == 1;
                g.create_task(format!("main.{i}"), fetch(sem.clone(), ms, fails))?;
            }
            Ok(())
        }),
    )
    .await
}

/// The same as a scenario.
fn fetch_all_json(fail: bool) -> String {
    let tail = if fail { r#", {"raise": "Boom"}"# } else { "" };
    format!(
        r#"{{"semaphores": {{"sem": 2}},
            "main": [{{"timeout": 100, "body": [{{"task_group": [
                [{{"acquire": "sem", "body": [{{"sleep": 10}}]}}],
                [{{"acquire": "sem", "body": [{{"sleep": 20}}]}}{tail}],
                [{{"acquire": "sem", "body": [{{"sleep": 30}}]}}]]}}]}}]}}"#
    )
}

/// Buggy: a gather whose failing child leaves its sibling running, the
/// error caught.
async fn leaky() -> Result<(), Exc> {
    let boom = spawn("main.0", async {
        sleep(5).await?;
        Err::<(), _>(Exc::new("Boom"))
    });
    let slow = spawn("main.1", async { sleep(50).await });
    match gather(vec![boom, slow], false).await {
        Err(e) if e.class_name() == "Boom" => Ok(()),
        other => other.map(drop),
    }
}

const LEAKY_JSON: &str = r#"{"main": [{"try": [{"gather": [[{"sleep": 5}, {"raise": "Boom"}], [{"sleep": 50}]]}],
    "except": [{"kinds": ["Boom"], "do": []}]}]}"#;

fn config(profile: Profile, seed: Option<u64>) -> Config {
    let policy = seed.map_or(Policy::Asyncio, |seed| Policy::Seeded { seed, jitter: 7 });
    Config::new(profile)
        .policy(policy)
        .trace(TraceMode::Structure)
}

/// `(invariant, message)` of every violation and finding.
fn verdicts(r: &Report) -> Vec<(String, String)> {
    let v = r.violations.iter().map(|v| (v.invariant, &v.message));
    let f = r.findings.iter().map(|f| (f.invariant, &f.message));
    v.chain(f)
        .map(|(i, m)| (i.to_string(), m.clone()))
        .collect()
}

/// Check the Rust program and the scenario under the same configuration;
/// both reports, after asserting the two runs made the same trace.
fn both<F, Fut>(program: F, json: &str, config: Config, checks: &Checks) -> (Report, Report)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(), Exc>> + 'static,
{
    let sim = Sim::new(config.clone());
    let report: RunReport<()> = run(&sim, "main", program()).expect("no run limit");
    let scenario = parse_scenario(json).expect("a valid scenario");
    let json_run = run_scenario(&scenario, config).expect("no run limit");
    assert_eq!(
        report.sim.trace_ref().hash(),
        json_run.sim.trace_ref().hash(),
        "the Rust program and the scenario ran differently"
    );
    (check(&report, checks), check(&json_run.report, checks))
}

#[test]
fn a_structured_fetch_is_clean_where_cpython_is() {
    let checks = Checks::new().no_deadlock(true).deny_findings(true);
    for profile in Profile::ALL {
        for seed in [None, Some(1), Some(2), Some(3)] {
            let (rust, json) = both(
                || fetch_all(false),
                &fetch_all_json(false),
                config(profile, seed),
                &checks,
            );
            assert!(rust.is_clean(), "{profile} {seed:?}: {:?}", rust.violations);
            assert_eq!(verdicts(&rust), verdicts(&json));
            // Every invariant that applies was checked.
            assert_eq!(rust.checked, json.checked);
            assert!(rust.checked.values().filter(|&&n| n > 0).count() >= 5);
        }
    }
}

#[test]
fn a_failing_fetch_leaks_a_cancel_on_311_and_312_only() {
    for profile in Profile::ALL {
        let (rust, json) = both(
            || fetch_all(true),
            &fetch_all_json(true),
            config(profile, None),
            &Checks::new(),
        );
        assert_eq!(verdicts(&rust), verdicts(&json), "{profile}");
        let leaks = rust
            .violations
            .iter()
            .any(|v| v.invariant.name() == "cancel-balance");
        assert_eq!(leaks, profile < Profile::Py313, "{profile}: {rust:?}");
    }
}

#[test]
fn a_leaky_gather_is_a_finding_or_when_denied_a_failure() {
    for profile in Profile::ALL {
        for deny in [false, true] {
            let checks = Checks::new().deny_findings(deny);
            let (rust, json) = both(leaky, LEAKY_JSON, config(profile, None), &checks);
            assert_eq!(verdicts(&rust), verdicts(&json), "{profile}");
            let expected = "main.1 outlived its gather at 5";
            if deny {
                assert_eq!(rust.violations.len(), 1, "{rust:?}");
                assert!(rust.violations[0].message.starts_with(expected));
            } else {
                assert!(rust.is_clean());
                assert_eq!(rust.findings[0].message, expected);
            }
        }
    }
}
