//! The await tree of a paused run, as CPython 3.14's
//! `python -m asyncio pstree PID` draws it.
//!
//! 3.14 records, on each task, the tasks that await it
//! ([`TaskRef::awaited_by`](simloop_core::TaskRef::awaited_by)): the task
//! suspended on it, and the caller of the `gather`, `wait` or `shield` or
//! the parent of the `TaskGroup` it belongs to. Each pending task is drawn
//! under every pending task that awaits it, and a pending task that no
//! pending task awaits is a root. Each line says what the task waits on
//! and its `cancelling()` count; a root says who created it, or which
//! finished task is still recorded as awaiting it. The tasks that finished
//! are listed under the tree.
//!
//! Where it differs from 3.14's tool: a task awaited by several tasks is
//! drawn in full under the first and as `(see above)` under the others
//! (3.14 repeats the subtree, which grows exponentially on a lattice of
//! awaits); an await cycle, which 3.14's tool refuses to draw, is drawn
//! with its closing edge marked `(await cycle)`.

use std::fmt::Write;

use simloop_core::{escape_controls, Outcome, Sim, Waiting};

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
    let waiters: Vec<Vec<usize>> = tasks
        .iter()
        .map(|t| {
            let mut w: Vec<usize> = t
                .awaited_by()
                .iter()
                .map(|id| id.0 as usize)
                .filter(|&w| w < n)
                .collect();
            w.sort_unstable();
            w
        })
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for t in (0..n).filter(|&t| live[t]) {
        for &w in waiters[t].iter().filter(|&&w| live[w]) {
            children[w].push(t);
        }
    }
    let is_root = |t: usize| live[t] && !waiters[t].iter().any(|&w| live[w]);

    // (prefix + name, what it waits on, cancelling, a root's note) per line.
    let mut rows: Vec<(String, String, u32, String)> = Vec::new();
    let mut drawn = vec![false; n];
    let mut on_path = vec![false; n];
    // Roots first; then whatever only an await cycle reaches.
    let starts: Vec<usize> = (0..n)
        .filter(|&t| is_root(t))
        .chain((0..n).filter(|&t| live[t]))
        .collect();
    for r in starts {
        if drawn[r] {
            continue;
        }
        let mut note = String::new();
        let finished: Vec<&str> = waiters[r]
            .iter()
            .filter(|&&w| !live[w])
            .map(|&w| tasks[w].name())
            .collect();
        if !finished.is_empty() {
            let _ = write!(note, "  (awaited by {}: finished)", finished.join(", "));
        } else if let Some(p) = tasks[r].parent().map(|p| p.0 as usize).filter(|&p| p < n) {
            let state = if live[p] { "" } else { ", finished" };
            let _ = write!(note, "  (created by {}{state})", tasks[p].name());
        }
        // Depth first, children in creation order. `Exit` leaves a task's
        // subtree (for the cycle check).
        enum Visit {
            Enter(usize, String, String),
            Exit(usize),
        }
        let mut walk = vec![Visit::Enter(r, String::new(), String::new())];
        while let Some(v) = walk.pop() {
            let (t, lead, branch) = match v {
                Visit::Exit(t) => {
                    on_path[t] = false;
                    continue;
                }
                Visit::Enter(t, lead, branch) => (t, lead, branch),
            };
            let task = &tasks[t];
            let mut name = format!("{branch}{}", task.name());
            let what = match task.waiting_on() {
                Some(Waiting::Task { name, .. }) => format!("awaits task {name}"),
                Some(Waiting::Future { label, .. }) => format!("awaits {}", future_words(label)),
                None => "ready to run".to_owned(),
            };
            let descend = if on_path[t] {
                name.push_str(" (await cycle)");
                false
            } else if drawn[t] {
                name.push_str(" (see above)");
                false
            } else {
                true
            };
            let note = if branch.is_empty() {
                note.clone()
            } else {
                String::new()
            };
            // Names are the program's: no control character reaches the
            // terminal (and the widths are of what is printed).
            let shown = |s: String| escape_controls(&s).into_owned();
            rows.push((shown(name), shown(what), task.cancelling(), shown(note)));
            if !descend {
                continue;
            }
            drawn[t] = true;
            on_path[t] = true;
            walk.push(Visit::Exit(t));
            let kids = &children[t];
            for (i, &c) in kids.iter().enumerate().rev() {
                let last = i + 1 == kids.len();
                let connector = if last { "└── " } else { "├── " };
                let below = if last { "    " } else { "│   " };
                walk.push(Visit::Enter(
                    c,
                    format!("{lead}{below}"),
                    format!("{lead}{connector}"),
                ));
            }
        }
    }

    let mut out = String::new();
    if rows.is_empty() {
        out.push_str("(no task is pending)\n");
    }
    let w1 = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let w2 = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    for (name, what, cancelling, note) in &rows {
        let pad1 = " ".repeat(w1 - name.chars().count());
        let pad2 = " ".repeat(w2 - what.chars().count());
        let _ = writeln!(
            out,
            "{name}{pad1}  {what}{pad2}  cancelling()={cancelling}{note}"
        );
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
        let _ = writeln!(out, "finished: {}", escape_controls(&finished.join(", ")));
    }
    out
}
