//! Memory per live task: `N` tasks alive at once, each suspended; prints the
//! peak resident set (`VmHWM`) and its growth per task.
//!
//! ```sh
//! cargo run --release --example live_tasks -- 100000             # in their own sleep
//! cargo run --release --example live_tasks -- 100000 shared      # on one shared future
//! cargo run --release --example live_tasks -- 100000 sleep full  # full trace kept
//! cargo run --release --example live_tasks -- 100000 tokio       # the same in tokio
//! /usr/bin/time -v target/release/examples/live_tasks 100000     # cross-check
//! ```
//!
//! `sleep`: each task awaits `sleep(10)`, so it also owns a future and a
//! timer. `shared`: every task awaits one future that `main` resolves, so
//! the figure is the task alone (plus its entry in that future's callback
//! list). The baseline is the resident set just before the loop is
//! created: the figure is what the loop, the tasks and what they wait on
//! add at their peak, including the loop's queues and task list.
//!
//! `tokio`: the same tasks (sleep 10, after `main` sleeps 5) on tokio's
//! current-thread runtime with the paused clock, handles dropped, for
//! comparison. Both run on this example's allocator, glibc's malloc.

use std::rc::Rc;

use simloop::core::{get_running_loop, sleep, spawn, Config, Profile, Sim, TraceMode};

/// A field of `/proc/self/status` (`VmRSS:`, `VmHWM:`), in bytes; 0 where
/// there is no `/proc`.
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: u64 = args.first().map_or(100_000, |a| a.parse().expect("N"));
    let shared = args.iter().any(|a| a == "shared");
    let trace = if args.iter().any(|a| a == "full") {
        TraceMode::Full
    } else {
        TraceMode::HashOnly
    };
    let before = status_bytes("VmRSS:");
    let (live, what) = if args.iter().any(|a| a == "tokio") {
        (tokio_tasks(n), "tokio, each in its own sleep".to_owned())
    } else {
        let how = if shared {
            "on a shared future"
        } else {
            "each in its own sleep"
        };
        (
            simloop_tasks(n, shared, trace),
            format!("{how}, trace {trace:?}"),
        )
    };
    let peak = status_bytes("VmHWM:");
    let grown = peak.saturating_sub(before);
    println!(
        "{n} tasks ({what}), {live} live at the peak: peak RSS {} KiB, \
         {} KiB before the loop; {:.0} bytes per live task",
        peak / 1024,
        before / 1024,
        grown as f64 / live.max(1) as f64
    );
}

/// `n` simloop tasks suspended at once; returns how many were live.
fn simloop_tasks(n: u64, shared: bool, trace: TraceMode) -> usize {
    let sim = Sim::new(Config::new(Profile::Py313).trace(trace));
    let name: Rc<str> = Rc::from("child");
    let r = sim.run_main("main", async move {
        let sim = get_running_loop();
        let gate = sim.create_future::<()>("gate");
        for _ in 0..n {
            let gate = gate.clone();
            if shared {
                spawn(name.clone(), async move { gate.await });
            } else {
                spawn(name.clone(), async {
                    sleep(10).await?;
                    Ok(())
                });
            }
        }
        // Every task runs its first step and suspends.
        sleep(5).await?;
        let live = sim.pending_tasks() - 1;
        gate.set_result(());
        Ok(live)
    });
    let live = r.expect("no run limit").expect("main returns");
    sim.close();
    live
}

/// The same `n` tasks, each in its own sleep, in tokio.
fn tokio_tasks(n: u64) -> usize {
    use std::time::Duration;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a current-thread runtime");
    rt.block_on(async move {
        for _ in 0..n {
            drop(tokio::spawn(async {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    })
}
