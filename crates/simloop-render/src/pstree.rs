//! The await tree of a paused run, like CPython 3.14's
//! `python -m asyncio pstree PID`.
//!
//! A task awaiting another task (its `_fut_waiter` is that task) has it as
//! a child; every other task hangs under the task that created it, so the
//! children of a `gather` or a `TaskGroup` sit under the task waiting for
//! them. Each line says what the task waits on and its `cancelling()`
//! count. Only pending tasks are in the tree; the tasks that finished are
//! listed under it.

use std::fmt::Write;

use simloop_core::{Outcome, Sim, Waiting};

use crate::text::exc_short;

/// Words for a future's label (the name simloop gave the future).
fn future_words(label: &str) -> String {
    match label {
        "sleep" => "sleep".to_owned(),
        "hang" => "hang (a future nobody resolves)".to_owned(),
        "TaskGroup._on_completed_fut" => "TaskGroup.__aexit__ (waits for its tasks)".to_owned(),
        "gather" => "gather".to_owned(),
        "wait" => "asyncio.wait".to_owned(),
        "shield.outer" => "shield".to_owned(),
        "Semaphore.acquire" => "Semaphore.acquire (queued)".to_owned(),
        other => other.to_owned(),
    }
}

/// The await tree of the tasks of `sim` (a run paused at a tick, say by
/// `simloop_scenario::run_until`), box-drawing lines like `pstree`, then
/// the tasks already finished.
pub fn pstree(sim: &Sim) -> String {
    let tasks = sim.all_tasks();
    let n = tasks.len();
    let live: Vec<bool> = tasks.iter().map(|t| !t.done()).collect();
    let waits: Vec<Option<Waiting>> = tasks.iter().map(|t| t.waiting_on()).collect();

    // Creator first (when pending), then the awaiting task where that
    // does not make a cycle.
    let mut parent: Vec<Option<usize>> = tasks
        .iter()
        .map(|t| {
            t.parent()
                .map(|p| p.0 as usize)
                .filter(|&p| p < n && live[p])
        })
        .collect();
    for t in (0..n).filter(|&t| live[t]) {
        if let Some(Waiting::Task { id, .. }) = &waits[t] {
            let u = id.0 as usize;
            if !live[u] {
                continue;
            }
            let mut a = Some(t);
            let mut cycle = false;
            while let Some(x) = a {
                if x == u {
                    cycle = true;
                    break;
                }
                a = parent[x];
            }
            if !cycle {
                parent[u] = Some(t);
            }
        }
    }

    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut roots = Vec::new();
    for t in (0..n).filter(|&t| live[t]) {
        match parent[t] {
            Some(p) => children[p].push(t),
            None => roots.push(t),
        }
    }

    // (prefix + name, what it waits on, cancelling) per line.
    let mut rows: Vec<(String, String, u32)> = Vec::new();
    let mut walk = vec![];
    for &r in roots.iter().rev() {
        walk.push((r, String::new(), String::new()));
    }
    while let Some((t, lead, branch)) = walk.pop() {
        let task = &tasks[t];
        let mut name = format!("{branch}{}", task.name());
        if lead.is_empty() && branch.is_empty() {
            if let Some(p) = task.parent().map(|p| p.0 as usize).filter(|&p| !live[p]) {
                let _ = write!(name, " (created by {}, finished)", tasks[p].name());
            }
        }
        let what = match &waits[t] {
            Some(Waiting::Task { name, .. }) => format!("awaits task {name}"),
            Some(Waiting::Future { label, .. }) => format!("awaits {}", future_words(label)),
            None => "ready to run".to_owned(),
        };
        rows.push((name, what, task.cancelling()));
        let kids = &children[t];
        for (i, &c) in kids.iter().enumerate().rev() {
            let last = i + 1 == kids.len();
            let connector = if last { "└── " } else { "├── " };
            let below = if last { "    " } else { "│   " };
            walk.push((c, format!("{lead}{below}"), format!("{lead}{connector}")));
        }
    }

    let mut out = String::new();
    if rows.is_empty() {
        out.push_str("(no task is pending)\n");
    }
    let w1 = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let w2 = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    for (name, what, cancelling) in &rows {
        let pad1 = " ".repeat(w1 - name.chars().count());
        let pad2 = " ".repeat(w2 - what.chars().count());
        let _ = writeln!(out, "{name}{pad1}  {what}{pad2}  cancelling()={cancelling}");
    }
    let finished: Vec<String> = tasks
        .iter()
        .filter(|t| t.done())
        .map(|t| {
            let how = match t.outcome() {
                Some(Outcome::Ok) => "returned".to_owned(),
                Some(Outcome::Cancelled) => "cancelled".to_owned(),
                Some(Outcome::Error(e)) => format!("raised {}", exc_short(&e)),
                None => unreachable!("done"),
            };
            let at = t.done_at().map_or_else(String::new, |d| format!(" at {d}"));
            format!("{} {how}{at}", t.name())
        })
        .collect();
    if !finished.is_empty() {
        let _ = writeln!(out, "finished: {}", finished.join(", "));
    }
    out
}
