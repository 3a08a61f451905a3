//! Static analysis of task names: which names each task of the tree can
//! have, and the validation rules of `docs/scenario-semantics.md` ("Tasks and
//! names") built on it.
//!
//! A child without an explicit name is named `<parent>.<n>`, `n` counting
//! the tasks its parent created before it. Which creations came first can
//! depend on the run (an exception skips the rest of a `try` body before its
//! handler creates tasks), so the analysis gives each unnamed child a range
//! `lo..=hi` of possible `n`:
//!
//! - `hi` counts the creations that can precede it: the ones earlier in the
//!   parent's body in document order, except those in a sibling handler of
//!   the same `try` (only one `except` clause runs).
//! - `lo` counts the creations that must precede it: the steps earlier in
//!   its block all completed, a step that completed normally made at least
//!   its guaranteed creations (all of a `gather`'s children, those of a
//!   `try` body *or* of one handler, ...), and a handler or `finally` can
//!   start before anything in the `try` body was created.
//!
//! In straight-line code `lo == hi` and the name is exact; a possible name is
//! any `P.n` with `P` a possible name of the parent and `lo <= n <= hi`. This
//! set contains every name the task can really have, so the rules below
//! never reject a name the tree can have, and they catch every possible
//! clash and self-await, at the cost of rejecting some that no run reaches.
//!
//! Rules: an explicit name is not empty, not `main`, not given twice (even
//! in branches that exclude each other), and not a possible default name of
//! another task; an `await` or `cancel` names a possible name of some child
//! (not `main`); a task does not `await` one of its own possible names.
//! Name strings are compared exactly: `main.01` is not `main.1`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::{did_you_mean, quote, ErrorKind, ScenarioError};
use crate::format::{Block, Child, Clause, Scenario, Step};
use crate::path::Path;

/// Checks the name rules; the tree must already be within
/// [`Limits`](crate::Limits) (this walk recurses).
pub(crate) fn check_names(scenario: &Scenario) -> Result<(), ScenarioError> {
    let mut walk = Walk {
        tree: TaskTree::new(),
        refs: Vec::new(),
    };
    walk.block(&scenario.main, &Path::ROOT.key("main"), ROOT, Counts::ZERO)?;
    walk.tree.check_explicit()?;
    walk.tree.check_futures(&scenario.futures)?;
    walk.tree.check_refs(&walk.refs, &scenario.futures)
}

/// The root task, `main`.
const ROOT: usize = 0;

/// Bounds on the number of tasks the current task has created at a point of
/// its body, over every run that reaches that point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    /// At least this many.
    lo: usize,
    /// At most this many.
    hi: usize,
}

impl Counts {
    const ZERO: Counts = Counts { lo: 0, hi: 0 };

    fn plus(self, n: usize) -> Counts {
        Counts {
            lo: self.lo.saturating_add(n),
            hi: self.hi.saturating_add(n),
        }
    }
}

#[derive(Debug)]
enum Name<'s> {
    Root,
    Explicit(&'s str),
    /// `<parent>.<n>` with `n` in this range.
    Default(Counts),
}

#[derive(Debug)]
struct Task<'s> {
    parent: usize,
    name: Name<'s>,
    /// The JSON path of the child that creates it.
    path: String,
}

/// Every task the tree can create, `main` first, in document order.
struct TaskTree<'s> {
    tasks: Vec<Task<'s>>,
    /// The children with no explicit name whose `n` is known, by parent
    /// and `n` (most are: straight-line code), so that a name is looked
    /// up at once however many siblings it has.
    exact: HashMap<(usize, usize), Vec<usize>>,
    /// For each task, its other children with no explicit name (a range
    /// of `n`).
    ranged: Vec<Vec<usize>>,
    explicit: BTreeMap<&'s str, usize>,
    /// The longest run of unnamed tasks down from a named one or `main`: no
    /// default name has more `.<n>` suffixes than this.
    max_chain: usize,
    chain: Vec<usize>,
}

/// A task named by an `await` or `cancel` step, or in the list of a
/// `gather_tasks` or `wait_tasks`.
struct TaskRef<'s> {
    task: usize,
    target: &'s str,
    /// `awaited`, `cancelled`, `gathered` or `waited for`.
    verb: &'static str,
    path: String,
}

impl<'s> TaskTree<'s> {
    fn new() -> Self {
        TaskTree {
            tasks: vec![Task {
                parent: ROOT,
                name: Name::Root,
                path: "$.main".to_owned(),
            }],
            exact: HashMap::new(),
            ranged: vec![Vec::new()],
            explicit: BTreeMap::new(),
            max_chain: 0,
            chain: vec![0],
        }
    }

    fn push(&mut self, parent: usize, name: Name<'s>, path: String) -> usize {
        let id = self.tasks.len();
        let chain = match name {
            Name::Default(r) => {
                if r.lo == r.hi {
                    self.exact.entry((parent, r.lo)).or_default().push(id);
                } else {
                    self.ranged[parent].push(id);
                }
                self.chain[parent] + 1
            }
            Name::Explicit(n) => {
                self.explicit.insert(n, id);
                0
            }
            Name::Root => 0,
        };
        self.max_chain = self.max_chain.max(chain);
        self.chain.push(chain);
        self.tasks.push(Task { parent, name, path });
        self.ranged.push(Vec::new());
        id
    }

    /// The tasks that can be named `target`; with `defaults_only`, only by a
    /// default name. Sorted.
    fn candidates(&self, target: &str, defaults_only: bool) -> Vec<usize> {
        let mut found = Vec::new();
        // `target` split as `<start>.<n1>.<n2>...`, where `<start>` is `main`
        // or an explicit name; `suffix` holds n_k ... n_1, right to left.
        let mut suffix: Vec<usize> = Vec::new();
        let mut end = target.len();
        loop {
            let start = &target[..end];
            let start_id = if start == "main" {
                Some(ROOT)
            } else {
                self.explicit.get(start).copied()
            };
            if let (Some(id), false) = (start_id, defaults_only && suffix.is_empty()) {
                let mut set = vec![id];
                for &n in suffix.iter().rev() {
                    set = self.unnamed_children(&set, n);
                }
                found.extend(set);
            }
            if suffix.len() >= self.max_chain {
                break;
            }
            let Some(dot) = start.rfind('.') else { break };
            let Some(n) = parse_index(&start[dot + 1..]) else {
                break;
            };
            suffix.push(n);
            end = dot;
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The unnamed children of `parents` that can be their parent's `n`-th.
    fn unnamed_children(&self, parents: &[usize], n: usize) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for &p in parents {
            out.extend(self.exact.get(&(p, n)).into_iter().flatten());
            out.extend(self.ranged[p].iter().copied().filter(
                |&c| matches!(self.tasks[c].name, Name::Default(r) if r.lo <= n && n <= r.hi),
            ));
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The one name a task can have, if its name does not depend on the run.
    fn fixed_name(&self, mut id: usize) -> Option<String> {
        let mut suffix = Vec::new();
        let start = loop {
            match self.tasks[id].name {
                Name::Root => break "main",
                Name::Explicit(n) => break n,
                Name::Default(r) if r.lo == r.hi => suffix.push(r.lo),
                Name::Default(_) => return None,
            }
            id = self.tasks[id].parent;
        };
        let mut name = start.to_owned();
        for n in suffix.iter().rev() {
            name.push_str(&format!(".{n}"));
        }
        Some(name)
    }

    fn describe(&self, id: usize) -> String {
        match self.fixed_name(id) {
            Some(name) => format!("task {}", quote(&name)),
            None => format!("the task created at {}", self.tasks[id].path),
        }
    }

    /// No explicit name is a possible default name.
    fn check_explicit(&self) -> Result<(), ScenarioError> {
        for task in &self.tasks {
            let Name::Explicit(name) = task.name else {
                continue;
            };
            if let Some(&other) = self.candidates(name, true).first() {
                return Err(ScenarioError::at(
                    ErrorKind::Invalid,
                    format!("{}.name", task.path),
                    format!(
                        "task name {} is also a possible default name of the unnamed task created at {}; \
                         an explicit name must not look like <parent>.<n>",
                        quote(name),
                        self.tasks[other].path
                    ),
                ));
            }
        }
        Ok(())
    }

    /// No future has a name a task can have, so that a name in
    /// `gather_tasks` or `wait_tasks` means one thing.
    fn check_futures(&self, futures: &BTreeSet<String>) -> Result<(), ScenarioError> {
        match futures
            .iter()
            .find(|f| *f == "main" || !self.candidates(f, false).is_empty())
        {
            Some(f) => Err(ScenarioError::at(
                ErrorKind::Invalid,
                "$.futures".to_owned(),
                format!(
                    "future name {} is also a possible task name; gather_tasks and wait_tasks could not tell them apart",
                    quote(f)
                ),
            )),
            None => Ok(()),
        }
    }

    /// Every `await`/`cancel` names a possible child, and no task awaits
    /// itself; a `gather_tasks` or `wait_tasks` may also name a future.
    fn check_refs(
        &self,
        refs: &[TaskRef<'s>],
        futures: &BTreeSet<String>,
    ) -> Result<(), ScenarioError> {
        // Each name is looked up once, however often it is awaited.
        let mut seen: HashMap<&str, Vec<usize>> = HashMap::new();
        for r in refs {
            if matches!(r.verb, "gathered" | "waited for") && futures.contains(r.target) {
                continue;
            }
            let error =
                |message: String| ScenarioError::at(ErrorKind::Invalid, r.path.clone(), message);
            let verb = r.verb;
            if r.target == "main" {
                return Err(error(format!(
                    "\"main\" is the root task; only the tasks it creates can be {verb}"
                )));
            }
            let candidates = seen
                .entry(r.target)
                .or_insert_with(|| self.candidates(r.target, false));
            if candidates.is_empty() {
                return Err(error(format!(
                    "no task of the tree can be named {}{}",
                    quote(r.target),
                    did_you_mean(r.target, self.explicit.keys().copied())
                )));
            }
            if verb != "cancelled" && candidates.contains(&r.task) {
                // Awaiting itself raises RuntimeError; gathering or
                // waiting for itself would wait forever.
                let (does, may, why) = match verb {
                    "awaited" => ("awaits", "await", "asyncio raises RuntimeError"),
                    "gathered" => ("gathers", "gather", "it would wait forever"),
                    _ => ("waits for", "wait for", "it would wait forever"),
                };
                return Err(error(match self.fixed_name(r.task) {
                    Some(_) => format!("{} {does} itself ({why})", self.describe(r.task)),
                    None => format!(
                        "{} can be named {} and so may {may} itself ({why})",
                        self.describe(r.task),
                        quote(r.target)
                    ),
                }));
            }
        }
        Ok(())
    }
}

/// `n` as written in a default name: decimal without leading zeros.
fn parse_index(s: &str) -> Option<usize> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    canonical.then(|| s.parse().ok()).flatten()
}

/// The walk that builds the [`TaskTree`], following the creation counts.
struct Walk<'s> {
    tree: TaskTree<'s>,
    refs: Vec<TaskRef<'s>>,
}

impl<'s> Walk<'s> {
    /// Walks a block of `task` reached with `at` creations; returns the
    /// counts when it completes normally.
    fn block(
        &mut self,
        steps: &'s Block,
        path: &Path<'_>,
        task: usize,
        at: Counts,
    ) -> Result<Counts, ScenarioError> {
        let mut counts = at;
        for (i, step) in steps.iter().enumerate() {
            counts = self.step(step, &path.index(i), task, counts)?;
        }
        Ok(counts)
    }

    fn step(
        &mut self,
        step: &'s Step,
        path: &Path<'_>,
        task: usize,
        at: Counts,
    ) -> Result<Counts, ScenarioError> {
        let p = path.key(step.key());
        Ok(match step {
            Step::Sleep(_)
            | Step::Return(_)
            | Step::Raise(_)
            | Step::Hang
            | Step::Uncancel
            | Step::EventSet(_)
            | Step::EventWait(_)
            | Step::EventClear(_)
            | Step::Release(_)
            | Step::FutureSet { .. }
            | Step::FutureFail { .. }
            | Step::FutureCancel(_)
            | Step::AwaitFuture(_)
            | Step::Repr(_)
            | Step::Reraise
            | Step::Reschedule(_) => at,
            Step::Await(target) | Step::Cancel(target) => {
                let verb = if matches!(step, Step::Await(_)) {
                    "awaited"
                } else {
                    "cancelled"
                };
                self.refs.push(TaskRef {
                    task,
                    target,
                    verb,
                    path: p.to_string(),
                });
                at
            }
            Step::GatherTasks { names, .. } | Step::WaitTasks { names, .. } => {
                let verb = if matches!(step, Step::GatherTasks { .. }) {
                    "gathered"
                } else {
                    "waited for"
                };
                for (i, target) in names.iter().enumerate() {
                    self.refs.push(TaskRef {
                        task,
                        target,
                        verb,
                        path: p.index(i).to_string(),
                    });
                }
                at
            }
            Step::Spawn(child) | Step::Shield(child) => {
                self.child(child, &p, task, at)?;
                at.plus(1)
            }
            Step::Gather { children, .. }
            | Step::Wait { children, .. }
            | Step::AsCompleted { children, .. } => self.children(children, &p, task, at)?,
            Step::TaskGroup { children, then } => {
                let after = self.children(children, &p, task, at)?;
                self.block(then, &path.key("then"), task, after)?
            }
            Step::Timeout { body, .. } | Step::Acquire { body, .. } => {
                self.block(body, &path.key("body"), task, at)?
            }
            Step::Try {
                body,
                excepts,
                finally,
            } => {
                let done = self.block(body, &p, task, at)?;
                // One handler at most runs, entered when the body raised,
                // possibly before creating anything.
                let (mut normal_lo, mut hi) = (done.lo, done.hi);
                let ep = path.key("except");
                for (i, clause) in excepts.iter().enumerate() {
                    let h = self.handler(
                        clause,
                        &ep.index(i),
                        task,
                        Counts {
                            lo: at.lo,
                            hi: done.hi,
                        },
                    )?;
                    normal_lo = normal_lo.min(h.lo);
                    hi = hi.max(h.hi);
                }
                self.finally(finally, path, task, at, Counts { lo: normal_lo, hi })?
            }
            Step::TryStar {
                body,
                excepts,
                finally,
            } => {
                let done = self.block(body, &p, task, at)?;
                // Several handlers can run, one after the other; a normal end
                // after the body raised ran at least one of them.
                let (mut hi, mut least) = (done.hi, None::<usize>);
                let ep = path.key("except_star");
                for (i, clause) in excepts.iter().enumerate() {
                    let h = self.handler(clause, &ep.index(i), task, Counts { lo: at.lo, hi })?;
                    hi = h.hi;
                    let made = h.lo.saturating_sub(at.lo);
                    least = Some(least.map_or(made, |l| l.min(made)));
                }
                let normal_lo = match least {
                    None => done.lo,
                    Some(made) => done.lo.min(at.lo.saturating_add(made)),
                };
                self.finally(finally, path, task, at, Counts { lo: normal_lo, hi })?
            }
        })
    }

    fn handler(
        &mut self,
        clause: &'s Clause,
        path: &Path<'_>,
        task: usize,
        at: Counts,
    ) -> Result<Counts, ScenarioError> {
        self.block(&clause.body, &path.key("do"), task, at)
    }

    /// The `finally` of a try step entered with `at`; `before` bounds the
    /// counts on the paths that end the step normally (`lo`) and on every
    /// path into `finally` (`hi`). Returns the counts after the step.
    fn finally(
        &mut self,
        finally: &'s Block,
        path: &Path<'_>,
        task: usize,
        at: Counts,
        before: Counts,
    ) -> Result<Counts, ScenarioError> {
        // `finally` also runs after an early exception: it can start at
        // `at.lo`. Counts add up, so its own guaranteed creations are `f.lo -
        // at.lo` on every path.
        let f = self.block(
            finally,
            &path.key("finally"),
            task,
            Counts {
                lo: at.lo,
                hi: before.hi,
            },
        )?;
        Ok(Counts {
            lo: before.lo.saturating_add(f.lo.saturating_sub(at.lo)),
            hi: f.hi,
        })
    }

    fn children(
        &mut self,
        children: &'s [Child],
        path: &Path<'_>,
        task: usize,
        at: Counts,
    ) -> Result<Counts, ScenarioError> {
        for (i, child) in children.iter().enumerate() {
            self.child(child, &path.index(i), task, at.plus(i))?;
        }
        Ok(at.plus(children.len()))
    }

    /// A child of `parent` created after `at` other creations.
    fn child(
        &mut self,
        child: &'s Child,
        path: &Path<'_>,
        parent: usize,
        at: Counts,
    ) -> Result<(), ScenarioError> {
        let name = match &child.name {
            None => Name::Default(at),
            Some(name) => {
                let np = path.key("name");
                if name.is_empty() {
                    return Err(ScenarioError::invalid(
                        &np,
                        "expected a task name, got an empty string",
                    ));
                }
                if name == "main" {
                    return Err(ScenarioError::invalid(
                        &np,
                        "the name \"main\" belongs to the root task",
                    ));
                }
                if let Some(&first) = self.tree.explicit.get(name.as_str()) {
                    return Err(ScenarioError::invalid(
                        &np,
                        format!(
                            "duplicate task name {}; first given at {}.name",
                            quote(name),
                            self.tree.tasks[first].path
                        ),
                    ));
                }
                Name::Explicit(name)
            }
        };
        let id = self.tree.push(parent, name, path.to_string());
        match child.name {
            None => self.block(&child.body, path, id, Counts::ZERO)?,
            Some(_) => self.block(&child.body, &path.key("body"), id, Counts::ZERO)?,
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes() {
        assert_eq!(parse_index("0"), Some(0));
        assert_eq!(parse_index("12"), Some(12));
        assert_eq!(parse_index("01"), None);
        assert_eq!(parse_index(""), None);
        assert_eq!(parse_index("1a"), None);
        assert_eq!(parse_index("99999999999999999999999999"), None);
    }
}
