//! A scenario compiled, before it runs, into the shape the interpreter walks.
//!
//! A task's body must be `'static`, so running a [`Step`] tree directly
//! means copying a child's whole subtree each time it is spawned, and each
//! nested block each time it runs. Here every block is instead a [`Span`]
//! of one flat list of [`Op`]s (and every child list a [`Span`] of one flat
//! list of [`ChildOp`]s) held by the run's interpreter: spawning a child or
//! entering a block copies two integers. Compiling touches every step, and a
//! run executes each step at most once, so it copies as little as it can:
//! the lists are sized beforehand, names go into one string.
//!
//! [`Prepared`] is the public handle on a plan, for running one scenario
//! several times (explore runs each twice) while compiling it once.

use std::ops::Range;
use std::rc::Rc;

use serde_json::Value;
use simloop_asyncio::errors::Matcher;
use simloop_core::{Profile, Start, TaskFactory};

use crate::format::{Block, Child, Clause, Kind, ReprOf, ReturnWhen, Scenario, Step};
use crate::validate::eager_start_at;

/// A contiguous run of [`Plan::ops`] (a block), [`Plan::children`] (the
/// children of one step), [`Plan::clauses`] or [`Plan::text`] (a name).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Span {
    start: u32,
    end: u32,
}

impl Span {
    pub(crate) fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    fn new(range: Range<usize>) -> Span {
        let n = |i: usize| u32::try_from(i).expect("a scenario has fewer than 2^32 steps");
        Span {
            start: n(range.start),
            end: n(range.end),
        }
    }
}

/// A [`Step`] whose blocks and children are spans; the fields mean what
/// the step's do.
#[derive(Debug)]
pub(crate) enum Op {
    Sleep(u64),
    /// Index into [`Plan::values`] (a `Value` is large: kept out of line,
    /// ops stay small).
    Return(usize),
    Raise(Kind),
    Hang,
    /// Index into [`Plan::children`].
    Spawn(usize),
    /// A name in [`Plan::text`].
    Await(Span),
    /// A name in [`Plan::text`].
    Cancel(Span),
    Uncancel,
    Gather {
        children: Span,
        return_exceptions: bool,
    },
    TaskGroup {
        children: Span,
        then: Span,
        /// Its index among the plan's scopes ([`Plan::scopes`]).
        slot: usize,
    },
    Wait {
        children: Span,
        return_when: ReturnWhen,
        timeout: Option<u64>,
        cancel_pending: bool,
    },
    AsCompleted {
        children: Span,
        take: Option<usize>,
        timeout: Option<u64>,
        skip_errors: bool,
        cancel_rest: bool,
    },
    Timeout {
        delay: u64,
        body: Span,
        /// As `TaskGroup`'s.
        slot: usize,
    },
    /// Index into [`Plan::children`].
    Shield(usize),
    Acquire {
        /// Index into [`Plan::semaphores`]; `None` for an undeclared one,
        /// which only a scenario not validated can have.
        sem: Option<usize>,
        body: Span,
    },
    Try {
        body: Span,
        /// A span of [`Plan::clauses`].
        excepts: Span,
        finally: Span,
    },
    TryStar {
        body: Span,
        /// A span of [`Plan::clauses`].
        excepts: Span,
        finally: Span,
    },
    /// Each an index into [`Plan::events`] (`None`: undeclared, only in a
    /// scenario not validated).
    EventSet(Option<usize>),
    EventWait(Option<usize>),
    EventClear(Option<usize>),
    /// An index into [`Plan::semaphores`], as `Acquire`'s.
    Release(Option<usize>),
    Repr(ReprOp),
    /// The handler slot of the exception it raises again (`None`: outside
    /// a handler, only in a scenario not validated).
    Reraise(Option<usize>),
    /// The slot of the timeout it moves (`None`: outside one, only in a
    /// scenario not validated).
    Reschedule {
        slot: Option<usize>,
        delay: Option<u64>,
    },
    /// Each `fut` an index into [`Plan::futures`] (`None`: undeclared).
    FutureSet {
        fut: Option<usize>,
        /// Index into [`Plan::values`].
        value: usize,
    },
    FutureFail {
        fut: Option<usize>,
        error: Kind,
    },
    FutureCancel(Option<usize>),
    AwaitFuture(Option<usize>),
    GatherTasks {
        /// A span of [`Plan::names`].
        names: Span,
        return_exceptions: bool,
    },
    WaitTasks {
        /// A span of [`Plan::names`].
        names: Span,
        return_when: ReturnWhen,
        timeout: Option<u64>,
        cancel_pending: bool,
    },
}

/// What an [`Op::Repr`] prints: a semaphore or an event by index, or the
/// timeout or task group in a slot ([`Plan::scopes`]). `None`: undeclared,
/// or outside such a scope, only in a scenario not validated.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ReprOp {
    Semaphore(Option<usize>),
    Event(Option<usize>),
    Scope(Option<usize>),
}

/// A [`Child`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChildOp {
    /// Its explicit name, in [`Plan::text`].
    pub(crate) name: Option<Span>,
    pub(crate) body: Span,
    pub(crate) start: Start,
}

/// A [`Clause`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClauseOp {
    /// Its kinds, in [`Plan::kinds`].
    pub(crate) kinds: Span,
    pub(crate) body: Span,
    /// Where the interpreter keeps what its handler handles, for `reraise`.
    pub(crate) slot: usize,
}

/// A whole scenario's steps, compiled.
#[derive(Debug)]
pub(crate) struct Plan {
    ops: Vec<Op>,
    pub(crate) children: Vec<ChildOp>,
    clauses: Vec<ClauseOp>,
    kinds: Vec<Kind>,
    values: Vec<Rc<Value>>,
    text: String,
    /// The task names of `gather_tasks` and `wait_tasks`, each a name in
    /// [`Plan::text`].
    names: Vec<Span>,
    /// The body of `main`.
    pub(crate) main: Span,
    /// [`Scenario::semaphores`], in name order: name, initial value, and
    /// whether it is in [`Scenario::bounded`].
    pub(crate) semaphores: Vec<(String, u64, bool)>,
    /// [`Scenario::events`], in name order.
    pub(crate) events: Vec<String>,
    /// [`Scenario::futures`], in name order.
    pub(crate) futures: Vec<String>,
    /// [`Scenario::task_factory`].
    pub(crate) task_factory: TaskFactory,
    /// What a profile must have to run it: the oldest profile, and why.
    pub(crate) needs: Vec<(Profile, String)>,
    /// How many `timeout` and `task_group` steps the scenario has: each
    /// has a slot, its index in document order.
    pub(crate) scopes: usize,
    /// Some step names a timeout or task group it is in (`repr`,
    /// `reschedule`): the interpreter keeps each one in its slot.
    pub(crate) names_scopes: bool,
    /// How many `except` and `except*` clauses the scenario has: each has
    /// a handler slot ([`ClauseOp::slot`]).
    pub(crate) handlers: usize,
    /// Some `reraise` step: the interpreter keeps what each handler
    /// handles in its slot.
    pub(crate) reraises: bool,
}

/// A scenario compiled for [`run_prepared`](crate::run_prepared): running
/// it gives the same run as [`run`](crate::run) on the scenario, without
/// compiling it again.
#[derive(Debug, Clone)]
pub struct Prepared(pub(crate) Rc<Plan>);

impl Prepared {
    /// Compile `scenario`.
    pub fn new(scenario: &Scenario) -> Prepared {
        Prepared(Rc::new(Plan::new(scenario)))
    }

    /// Why `profile`'s CPython cannot run it (an eager task factory before
    /// 3.12, `eager_start` before 3.14), with the JSON path; a run under it
    /// is refused with [`RunError::Unsupported`](simloop_core::RunError)
    /// and this message.
    pub fn unsupported(&self, profile: Profile) -> Option<String> {
        self.0.unsupported(profile)
    }
}

impl Plan {
    pub(crate) fn new(scenario: &Scenario) -> Plan {
        let mut n = Sizes::default();
        n.block(&scenario.main);
        let mut c = Compiler {
            plan: Plan {
                ops: Vec::with_capacity(n.ops),
                children: Vec::with_capacity(n.children),
                clauses: Vec::with_capacity(n.clauses),
                kinds: Vec::with_capacity(n.kinds),
                values: Vec::with_capacity(n.values),
                text: String::with_capacity(n.text),
                names: Vec::with_capacity(n.names),
                main: Span::new(0..0),
                semaphores: scenario
                    .semaphores
                    .iter()
                    .map(|(k, &n)| (k.clone(), n, scenario.bounded.contains(k)))
                    .collect(),
                events: scenario.events.iter().cloned().collect(),
                futures: scenario.futures.iter().cloned().collect(),
                task_factory: scenario.task_factory,
                needs: Vec::new(),
                scopes: 0,
                names_scopes: false,
                handlers: 0,
                reraises: false,
            },
            open: Vec::new(),
            handling: Vec::new(),
        };
        c.plan.main = c.block(&scenario.main);
        if scenario.task_factory == TaskFactory::Eager {
            c.plan.needs.push((
                Profile::Py312,
                "$.task_factory: asyncio.eager_task_factory is new in Python 3.12".to_owned(),
            ));
        }
        if c.plan.children.iter().any(|ch| ch.start != Start::Factory) {
            let at = eager_start_at(scenario).unwrap_or_else(|| "$".to_owned());
            c.plan.needs.push((
                Profile::Py314,
                format!("{at}: create_task() has no eager_start parameter before Python 3.14"),
            ));
        }
        c.plan
    }

    /// Why `profile` cannot run it, as CPython would refuse: the first
    /// feature it lacks.
    pub(crate) fn unsupported(&self, profile: Profile) -> Option<String> {
        self.needs
            .iter()
            .find(|(oldest, _)| profile < *oldest)
            .map(|(_, why)| format!("{why} (this is {})", profile.cpython()))
    }

    /// The steps of a block.
    pub(crate) fn block(&self, span: Span) -> &[Op] {
        &self.ops[span.range()]
    }

    /// The children of a step.
    pub(crate) fn children(&self, span: Span) -> &[ChildOp] {
        &self.children[span.range()]
    }

    /// The `except` clauses of a step.
    pub(crate) fn clauses(&self, span: Span) -> &[ClauseOp] {
        &self.clauses[span.range()]
    }

    /// The class tuple of a clause, built when a clause is tried, which
    /// most never are.
    pub(crate) fn matcher(&self, clause: &ClauseOp) -> Matcher {
        Matcher::new(self.kinds[clause.kinds.range()].iter().map(Kind::name))
    }

    /// A `return` step's value.
    pub(crate) fn value(&self, i: usize) -> &Rc<Value> {
        &self.values[i]
    }

    /// A name.
    pub(crate) fn text(&self, span: Span) -> &str {
        &self.text[span.range()]
    }

    /// The index of the future `name`, if declared.
    pub(crate) fn future(&self, name: &str) -> Option<usize> {
        self.futures.iter().position(|f| f == name)
    }

    /// The names of a `gather_tasks` or `wait_tasks`.
    pub(crate) fn names(&self, span: Span) -> impl Iterator<Item = &str> {
        self.names[span.range()].iter().map(|&s| self.text(s))
    }

    /// The JSON path of the step op `i` was compiled from
    /// (`$.main[0].spawn.body[1]`), found by walking the blocks as the
    /// scenario nests them. For error messages: it allocates.
    pub(crate) fn op_path(&self, i: usize) -> Option<String> {
        self.find_op(self.main, "$.main".to_owned(), i)
    }

    fn find_op(&self, block: Span, path: String, i: usize) -> Option<String> {
        let range = block.range();
        if range.contains(&i) {
            return Some(format!("{path}[{}]", i - range.start));
        }
        for (k, op) in self.block(block).iter().enumerate() {
            let step = format!("{path}[{k}]");
            let found = match op {
                Op::Spawn(c) => self.find_in_child(*c, format!("{step}.spawn"), i),
                Op::Shield(c) => self.find_in_child(*c, format!("{step}.shield"), i),
                Op::Gather { children, .. } => self.find_in_children(*children, &step, "gather", i),
                Op::Wait { children, .. } => self.find_in_children(*children, &step, "wait", i),
                Op::AsCompleted { children, .. } => {
                    self.find_in_children(*children, &step, "as_completed", i)
                }
                Op::TaskGroup { children, then, .. } => self
                    .find_in_children(*children, &step, "task_group", i)
                    .or_else(|| self.find_op(*then, format!("{step}.then"), i)),
                Op::Timeout { body, .. } | Op::Acquire { body, .. } => {
                    self.find_op(*body, format!("{step}.body"), i)
                }
                Op::Try {
                    body,
                    excepts,
                    finally,
                } => self
                    .find_op(*body, format!("{step}.try"), i)
                    .or_else(|| self.find_in_clauses(*excepts, format!("{step}.except"), i))
                    .or_else(|| self.find_op(*finally, format!("{step}.finally"), i)),
                Op::TryStar {
                    body,
                    excepts,
                    finally,
                } => self
                    .find_op(*body, format!("{step}.try_star"), i)
                    .or_else(|| self.find_in_clauses(*excepts, format!("{step}.except_star"), i))
                    .or_else(|| self.find_op(*finally, format!("{step}.finally"), i)),
                _ => None,
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// A child written as its list of steps, or as an object with a body.
    fn find_in_child(&self, c: usize, path: String, i: usize) -> Option<String> {
        let child = &self.children[c];
        let path = if child.name.is_some() || child.start != Start::Factory {
            format!("{path}.body")
        } else {
            path
        };
        self.find_op(child.body, path, i)
    }

    fn find_in_children(&self, children: Span, step: &str, key: &str, i: usize) -> Option<String> {
        children
            .range()
            .enumerate()
            .find_map(|(k, c)| self.find_in_child(c, format!("{step}.{key}[{k}]"), i))
    }

    fn find_in_clauses(&self, clauses: Span, path: String, i: usize) -> Option<String> {
        self.clauses(clauses)
            .iter()
            .enumerate()
            .find_map(|(k, c)| self.find_op(c.body, format!("{path}[{k}].do"), i))
    }
}

/// How long each list of a [`Plan`] gets.
#[derive(Default)]
struct Sizes {
    ops: usize,
    children: usize,
    clauses: usize,
    kinds: usize,
    values: usize,
    text: usize,
    names: usize,
}

impl Sizes {
    /// Count what `b` and every block inside it need.
    fn block(&mut self, b: &Block) {
        self.ops += b.len();
        for step in b {
            for c in step.children() {
                self.children += 1;
                self.text += c.name.as_ref().map_or(0, String::len);
            }
            match step {
                Step::Await(name) | Step::Cancel(name) => self.text += name.len(),
                Step::GatherTasks { names, .. } | Step::WaitTasks { names, .. } => {
                    self.names += names.len();
                    self.text += names.iter().map(String::len).sum::<usize>();
                }
                Step::Return(_) | Step::FutureSet { .. } => self.values += 1,
                Step::Try { excepts, .. } | Step::TryStar { excepts, .. } => {
                    self.clauses += excepts.len();
                    self.kinds += excepts.iter().map(|c| c.kinds.len()).sum::<usize>();
                }
                _ => {}
            }
            step.for_each_block(|inner| self.block(inner));
        }
    }
}

struct Compiler {
    plan: Plan,
    /// The scopes around the step being compiled, innermost last: whether
    /// it is a timeout, and its slot.
    open: Vec<(bool, usize)>,
    /// The handler slots around the step being compiled, innermost last
    /// (a valid `reraise` is directly in the innermost's block).
    handling: Vec<usize>,
}

/// Each list is filled the same way: placeholders for the items of one
/// step or block first, so that they are contiguous, then the items, whose
/// own blocks are laid out after.
impl Compiler {
    fn block(&mut self, b: &Block) -> Span {
        let start = self.plan.ops.len();
        self.plan.ops.extend(b.iter().map(|_| Op::Hang));
        for (i, step) in b.iter().enumerate() {
            self.plan.ops[start + i] = self.op(step);
        }
        Span::new(start..start + b.len())
    }

    fn children(&mut self, cs: &[Child]) -> Span {
        let start = self.plan.children.len();
        let empty = ChildOp {
            name: None,
            body: Span::new(0..0),
            start: Start::Factory,
        };
        self.plan.children.extend(cs.iter().map(|_| empty));
        for (i, c) in cs.iter().enumerate() {
            self.plan.children[start + i] = ChildOp {
                name: c.name.as_deref().map(|n| self.text(n)),
                body: self.block(&c.body),
                start: c.start(),
            };
        }
        Span::new(start..start + cs.len())
    }

    fn child(&mut self, c: &Child) -> usize {
        self.children(std::slice::from_ref(c)).range().start
    }

    fn clauses(&mut self, cs: &[Clause]) -> Span {
        let start = self.plan.clauses.len();
        let empty = ClauseOp {
            kinds: Span::new(0..0),
            body: Span::new(0..0),
            slot: 0,
        };
        self.plan.clauses.extend(cs.iter().map(|_| empty));
        for (i, c) in cs.iter().enumerate() {
            let k = self.plan.kinds.len();
            self.plan.kinds.extend(c.kinds.iter().cloned());
            // Before the body, whose own clauses add kinds after these.
            let kinds = Span::new(k..self.plan.kinds.len());
            let slot = self.plan.handlers;
            self.plan.handlers += 1;
            self.handling.push(slot);
            let body = self.block(&c.body);
            self.handling.pop();
            self.plan.clauses[start + i] = ClauseOp { kinds, body, slot };
        }
        Span::new(start..start + cs.len())
    }

    fn text(&mut self, s: &str) -> Span {
        let start = self.plan.text.len();
        self.plan.text.push_str(s);
        Span::new(start..self.plan.text.len())
    }

    fn op(&mut self, step: &Step) -> Op {
        match step {
            Step::Sleep(n) => Op::Sleep(*n),
            Step::Return(v) => {
                self.plan.values.push(Rc::new(v.clone()));
                Op::Return(self.plan.values.len() - 1)
            }
            Step::Raise(k) => Op::Raise(k.clone()),
            Step::Hang => Op::Hang,
            Step::Spawn(c) => Op::Spawn(self.child(c)),
            Step::Await(name) => Op::Await(self.text(name)),
            Step::Cancel(name) => Op::Cancel(self.text(name)),
            Step::Uncancel => Op::Uncancel,
            Step::Gather {
                children,
                return_exceptions,
            } => Op::Gather {
                children: self.children(children),
                return_exceptions: *return_exceptions,
            },
            Step::TaskGroup { children, then } => {
                let slot = self.enter(false);
                let op = Op::TaskGroup {
                    children: self.children(children),
                    then: self.block(then),
                    slot,
                };
                self.open.pop();
                op
            }
            Step::Wait {
                children,
                return_when,
                timeout,
                cancel_pending,
            } => Op::Wait {
                children: self.children(children),
                return_when: *return_when,
                timeout: *timeout,
                cancel_pending: *cancel_pending,
            },
            Step::AsCompleted {
                children,
                take,
                timeout,
                skip_errors,
                cancel_rest,
            } => Op::AsCompleted {
                children: self.children(children),
                take: *take,
                timeout: *timeout,
                skip_errors: *skip_errors,
                cancel_rest: *cancel_rest,
            },
            Step::Timeout { delay, body } => {
                let slot = self.enter(true);
                let op = Op::Timeout {
                    delay: *delay,
                    body: self.block(body),
                    slot,
                };
                self.open.pop();
                op
            }
            Step::Shield(c) => Op::Shield(self.child(c)),
            Step::Acquire { sem, body } => Op::Acquire {
                sem: self.semaphore(sem),
                body: self.block(body),
            },
            Step::Try {
                body,
                excepts,
                finally,
            } => Op::Try {
                body: self.block(body),
                excepts: self.clauses(excepts),
                finally: self.block(finally),
            },
            Step::TryStar {
                body,
                excepts,
                finally,
            } => Op::TryStar {
                body: self.block(body),
                excepts: self.clauses(excepts),
                finally: self.block(finally),
            },
            Step::EventSet(name) => Op::EventSet(self.event(name)),
            Step::EventWait(name) => Op::EventWait(self.event(name)),
            Step::EventClear(name) => Op::EventClear(self.event(name)),
            Step::Release(sem) => Op::Release(self.semaphore(sem)),
            Step::Repr(of) => Op::Repr(match of {
                ReprOf::Semaphore(name) => ReprOp::Semaphore(self.semaphore(name)),
                ReprOf::Event(name) => ReprOp::Event(self.event(name)),
                ReprOf::Timeout => ReprOp::Scope(self.innermost(true)),
                ReprOf::TaskGroup => ReprOp::Scope(self.innermost(false)),
            }),
            Step::Reraise => {
                self.plan.reraises = true;
                Op::Reraise(self.handling.last().copied())
            }
            Step::Reschedule(delay) => Op::Reschedule {
                slot: self.innermost(true),
                delay: *delay,
            },
            Step::FutureSet { name, value } => {
                self.plan.values.push(Rc::new(value.clone()));
                Op::FutureSet {
                    fut: self.plan.future(name),
                    value: self.plan.values.len() - 1,
                }
            }
            Step::FutureFail { name, error } => Op::FutureFail {
                fut: self.plan.future(name),
                error: error.clone(),
            },
            Step::FutureCancel(name) => Op::FutureCancel(self.plan.future(name)),
            Step::AwaitFuture(name) => Op::AwaitFuture(self.plan.future(name)),
            Step::GatherTasks {
                names,
                return_exceptions,
            } => Op::GatherTasks {
                names: self.names(names),
                return_exceptions: *return_exceptions,
            },
            Step::WaitTasks {
                names,
                return_when,
                timeout,
                cancel_pending,
            } => Op::WaitTasks {
                names: self.names(names),
                return_when: *return_when,
                timeout: *timeout,
                cancel_pending: *cancel_pending,
            },
        }
    }

    fn names(&mut self, names: &[String]) -> Span {
        let start = self.plan.names.len();
        for n in names {
            let s = self.text(n);
            self.plan.names.push(s);
        }
        Span::new(start..self.plan.names.len())
    }

    fn semaphore(&self, name: &str) -> Option<usize> {
        self.plan.semaphores.iter().position(|(k, ..)| k == name)
    }

    fn event(&self, name: &str) -> Option<usize> {
        self.plan.events.iter().position(|e| e == name)
    }

    /// A new slot for a timeout (`true`) or task group, open until the
    /// caller pops it.
    fn enter(&mut self, timeout: bool) -> usize {
        let slot = self.plan.scopes;
        self.plan.scopes += 1;
        self.open.push((timeout, slot));
        slot
    }

    /// The slot of the innermost open timeout (`true`) or task group; the
    /// interpreter then keeps every scope in its slot.
    fn innermost(&mut self, timeout: bool) -> Option<usize> {
        self.plan.names_scopes = true;
        self.open
            .iter()
            .rev()
            .find(|&&(t, _)| t == timeout)
            .map(|&(_, slot)| slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `await` of a scenario that puts one in each kind of block,
    /// and the path `op_path` gives it.
    #[test]
    fn an_ops_path_is_where_the_scenario_has_its_step() {
        let text = r#"{"main": [
            {"spawn": [{"await": "x"}]},
            {"spawn": {"name": "n", "body": [{"sleep": 1}, {"await": "x"}]}},
            {"spawn": {"eager_start": true, "body": [{"await": "x"}]}},
            {"shield": [{"await": "x"}]},
            {"gather": [[], [{"await": "x"}]]},
            {"wait": [[{"await": "x"}]]},
            {"as_completed": [[{"await": "x"}]]},
            {"task_group": [[{"await": "x"}]], "then": [{"await": "x"}]},
            {"timeout": 5, "body": [{"await": "x"}]},
            {"acquire": "s", "body": [{"await": "x"}]},
            {"try": [{"await": "x"}], "except": [{"kinds": ["E"], "do": []}, {"kinds": ["F"], "do": [{"await": "x"}]}], "finally": [{"await": "x"}]},
            {"try_star": [{"await": "x"}], "except_star": [{"kinds": ["E"], "do": [{"await": "x"}]}], "finally": [{"await": "x"}]},
            {"spawn": {"name": "x", "body": [{"hang": null}]}},
            {"await": "x"}
        ], "semaphores": {"s": 1}}"#;
        let scenario = crate::parse_scenario(text).expect("valid");
        let plan = Plan::new(&scenario);
        let mut found: Vec<String> = (0..plan.ops.len())
            .filter(|&i| matches!(plan.ops[i], Op::Await(_)))
            .map(|i| plan.op_path(i).expect("found"))
            .collect();
        found.sort();
        let mut want = vec![
            "$.main[0].spawn[0]",
            "$.main[1].spawn.body[1]",
            "$.main[2].spawn.body[0]",
            "$.main[3].shield[0]",
            "$.main[4].gather[1][0]",
            "$.main[5].wait[0][0]",
            "$.main[6].as_completed[0][0]",
            "$.main[7].task_group[0][0]",
            "$.main[7].then[0]",
            "$.main[8].body[0]",
            "$.main[9].body[0]",
            "$.main[10].try[0]",
            "$.main[10].except[1].do[0]",
            "$.main[10].finally[0]",
            "$.main[11].try_star[0]",
            "$.main[11].except_star[0].do[0]",
            "$.main[11].finally[0]",
            "$.main[13]",
        ];
        want.sort();
        assert_eq!(found, want);
        assert_eq!(plan.op_path(plan.ops.len()), None);
    }
}
