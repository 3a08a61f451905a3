//! Exception matching: `except K` clauses and `except* K` (PEP 654).
//!
//! A [`Matcher`] is the class tuple of a clause, built from kind names the
//! way the scenario format names them. [`Matcher::matches`] is `isinstance`,
//! [`split`] is `BaseExceptionGroup.split`, and [`ExceptStar`] plans a whole
//! `try`/`except*` statement the way CPython's bytecode runs it
//! (`CHECK_EG_MATCH` per clause, `PREP_RERAISE_STAR` at the end, in
//! `Objects/exceptions.c`), one clause at a time, so that the caller can
//! await each handler in between:
//!
//! ```
//! use simloop_asyncio::errors::{ExceptStar, Matcher};
//! use simloop_core::Exc;
//!
//! // try: raise ExceptionGroup("eg", [A(), B()])
//! // except* A: raise N()
//! let mut star = ExceptStar::new(Exc::group("eg", vec![Exc::new("A"), Exc::new("B")]));
//! let matched = star.next_clause(&Matcher::from_names(["A"])).unwrap();
//! assert_eq!(matched.to_string(), "ExceptionGroup(\"eg\", [A])");
//! star.handler_raised(Exc::new("N"));
//! let escaped = star.finish().unwrap();
//! assert_eq!(escaped.to_string(), "ExceptionGroup(\"\", [N, ExceptionGroup(\"eg\", [B])])");
//! ```
//!
//! Exceptions here carry no `__traceback__`, `__context__`, `__cause__` or
//! `__notes__`. CPython tells a re-raised part from a new exception by that
//! metadata (`is_same_exception_metadata`); this module tells them apart by
//! identity instead: the original exception and every part split off it
//! carry the original's metadata, anything else is new, until the original
//! object itself is raised again (awaiting the failed task once more): then
//! CPython gives it a new traceback, and the parts split off it before
//! count as new (see [`Exc::raised_again`]).

use std::fmt;

use simloop_core::Exc;
pub use simloop_core::ExcKind;

/// The class tuple of an `except (K1, K2, ...)` or `except* (K1, ...)` clause.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Matcher {
    kinds: Vec<ExcKind>,
}

impl Matcher {
    /// A clause catching any of `kinds`: [`ExcKind`]s, or names (see
    /// [`ExcKind::from_name`]).
    pub fn new<K: Into<ExcKind>>(kinds: impl IntoIterator<Item = K>) -> Matcher {
        Matcher {
            kinds: kinds.into_iter().map(Into::into).collect(),
        }
    }

    /// A clause catching the kinds named as in scenarios (see
    /// [`ExcKind::from_name`]).
    pub fn from_names<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Matcher {
        Matcher::new(names.into_iter().map(|n| ExcKind::from_name(n.as_ref())))
    }

    /// The kinds, in clause order.
    pub fn kinds(&self) -> &[ExcKind] {
        &self.kinds
    }

    /// `isinstance(exc, (K1, K2, ...))`: does a plain `except` clause catch it?
    pub fn matches(&self, exc: &Exc) -> bool {
        self.kinds.iter().any(|k| k.matches(exc))
    }

    /// Can it be used in `except*`? CPython raises this `TypeError` when it
    /// evaluates such a clause (`_PyEval_CheckExceptStarTypeValid`).
    pub fn check_except_star(&self) -> Result<(), Exc> {
        if self.kinds.contains(&ExcKind::ExceptionGroup) {
            return Err(Exc::with_message(
                "TypeError",
                "catching ExceptionGroup with except* is not allowed. Use except instead.",
            ));
        }
        Ok(())
    }
}

impl fmt::Display for Matcher {
    /// Python's spelling of the clause's class tuple: `A` or `(A, B)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let [k] = self.kinds.as_slice() {
            return write!(f, "{k}");
        }
        f.write_str("(")?;
        for (i, k) in self.kinds.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{k}")?;
        }
        f.write_str(")")
    }
}

/// `isinstance(exc, matcher)`: does `except matcher` catch `exc`?
pub fn matches(exc: &Exc, matcher: &Matcher) -> bool {
    matcher.matches(exc)
}

/// `exc.split(matcher)` for a group: `(match, rest)`, each `None` when empty.
///
/// As `exceptiongroup_split_recursive`: a group (at any depth) that itself
/// matches goes whole, as the same object, to the match side; otherwise its
/// members are split, each side keeps the group's message and nesting in a
/// new group (`derive`), and empty subgroups are dropped. Leaves keep their
/// identity. For a plain exception this gives `(exc, None)` or `(None, exc)`.
pub fn split(exc: &Exc, matcher: &Matcher) -> (Option<Exc>, Option<Exc>) {
    split_by(exc, &|e| matcher.matches(e))
}

fn split_by(exc: &Exc, matches: &dyn Fn(&Exc) -> bool) -> (Option<Exc>, Option<Exc>) {
    if matches(exc) {
        return (Some(exc.clone()), None);
    }
    let Some(members) = exc.members() else {
        return (None, Some(exc.clone()));
    };
    let mut matched = Vec::new();
    let mut rest = Vec::new();
    for m in members {
        let (a, b) = split_by(m, matches);
        matched.extend(a);
        rest.extend(b);
    }
    (derive(exc, matched), derive(exc, rest))
}

/// `exceptiongroup_subset`: `eg.derive(excs)`, or `None` when empty.
fn derive(group: &Exc, members: Vec<Exc>) -> Option<Exc> {
    if members.is_empty() {
        return None;
    }
    Some(Exc::group(group.message().unwrap_or(""), members))
}

/// The leaves of `exc` (itself for a plain exception), depth first.
fn leaves(exc: &Exc, out: &mut Vec<Exc>) {
    match exc.members() {
        Some(members) => members.iter().for_each(|m| leaves(m, out)),
        None => out.push(exc.clone()),
    }
}

/// One `try: ... except* K1: ... except* K2: ...` statement, after the body
/// raised: hands each clause its part of the exception, collects what the
/// handlers raise, and computes what leaves the statement.
///
/// Drive it as the interpreter runs the statement: for each clause in order,
/// [`next_clause`](ExceptStar::next_clause); if it returns a part, run the
/// handler with it and, if the handler raises, report that with
/// [`handler_raised`](ExceptStar::handler_raised). Then
/// [`finish`](ExceptStar::finish) gives the exception to raise, if any.
/// A `finally` block runs after `finish`, as in Python.
#[derive(Clone, Debug)]
pub struct ExceptStar {
    orig: Exc,
    /// What the next clause sees (`None` once everything matched).
    rest: Option<Exc>,
    /// Parts handed to handlers: they carry the original's metadata, so
    /// raising one of them again is a re-raise.
    parts: Vec<Exc>,
    /// What the handlers raised, in clause order.
    raised: Vec<Exc>,
    /// [`Exc::times_raised_again`] of the original when the body raised
    /// it: the parts carry that metadata.
    orig_raised: u32,
}

impl ExceptStar {
    /// The body raised `exc` (a group, or a naked exception).
    pub fn new(exc: Exc) -> ExceptStar {
        ExceptStar {
            rest: Some(exc.clone()),
            orig_raised: exc.times_raised_again(),
            orig: exc,
            parts: Vec::new(),
            raised: Vec::new(),
        }
    }

    /// The exception the body raised.
    pub fn original(&self) -> &Exc {
        &self.orig
    }

    /// What is still unmatched, `None` once every part was taken.
    pub fn remaining(&self) -> Option<&Exc> {
        self.rest.as_ref()
    }

    /// `CHECK_EG_MATCH` (`exception_group_match`) for the next clause: the
    /// part to hand to its handler (`except* K as eg` binds it), or `None` to
    /// skip the handler. What is left, if anything, goes on to the next
    /// clause.
    ///
    /// A remainder that matches as a whole is handed over as is if it is a
    /// group, or wrapped in `ExceptionGroup("", [exc])` if it is naked;
    /// otherwise a group is [`split`].
    ///
    /// # Panics
    /// If `matcher` fails [`Matcher::check_except_star`]: validate clauses
    /// first (CPython raises that `TypeError` at this point, and it replaces
    /// the exception being handled).
    pub fn next_clause(&mut self, matcher: &Matcher) -> Option<Exc> {
        if let Err(e) = matcher.check_except_star() {
            panic!("except* {matcher}: {e}");
        }
        let cur = self.rest.take()?;
        let matched = if matcher.matches(&cur) {
            if cur.members().is_some() {
                Some(cur)
            } else {
                // A naked exception that matches is wrapped.
                Some(Exc::group("", vec![cur]))
            }
        } else if cur.members().is_some() {
            let (m, r) = split(&cur, matcher);
            self.rest = r;
            m
        } else {
            self.rest = Some(cur);
            None
        };
        if let Some(m) = &matched {
            self.parts.push(m.clone());
        }
        matched
    }

    /// The handler of the clause that last matched raised `exc` (itself,
    /// re-raised with a bare `raise`, or any other exception).
    pub fn handler_raised(&mut self, exc: Exc) {
        self.raised.push(exc);
    }

    /// Is `e` the original or a part split off it (CPython: same metadata)?
    fn is_reraise(&self, e: &Exc) -> bool {
        e.same(&self.orig) || self.parts_current() && self.parts.iter().any(|p| p.same(e))
    }

    /// Do the parts still carry the original's metadata? Not once the
    /// original itself was raised again (a handler, or any task, awaiting
    /// the failed task once more): its traceback changed, theirs did not.
    fn parts_current(&self) -> bool {
        self.orig.times_raised_again() == self.orig_raised
    }

    /// `PREP_RERAISE_STAR` (`_PyExc_PrepReraiseStar`): the exception that
    /// leaves the statement, or `None` if every part was handled.
    ///
    /// - A naked original: at most one handler ran, so this is what it
    ///   raised, else the original itself if nothing matched it.
    /// - A group: the re-raised parts and the unhandled rest are projected
    ///   back onto the original's structure (a new group with just those
    ///   leaves, empty subgroups dropped); new exceptions come first, in
    ///   clause order, and if there is more than one item in all they are
    ///   wrapped in `ExceptionGroup("", [raised..., projection])`.
    pub fn finish(self) -> Option<Exc> {
        if self.orig.members().is_none() {
            // `excs` is each handler's exception, then the unhandled rest.
            return self.raised.first().cloned().or(self.rest);
        }
        let (mut reraised, mut raised): (Vec<Exc>, Vec<Exc>) = self
            .raised
            .iter()
            .cloned()
            .partition(|e| self.is_reraise(e));
        // The unhandled rest was split off the original: a re-raise, while
        // it carries the original's metadata; else a new exception, after
        // the handlers' (CPython appends it to their list).
        if self.parts_current() {
            reraised.extend(self.rest.clone());
        } else {
            raised.extend(self.rest.clone());
        }
        // exception_group_projection: the original's leaves that were
        // re-raised, in the original's structure.
        let mut keep = Vec::new();
        reraised.iter().for_each(|e| leaves(e, &mut keep));
        let projection = project(&self.orig, &keep);
        if raised.is_empty() {
            return projection;
        }
        raised.extend(projection);
        if raised.len() == 1 {
            raised.pop()
        } else {
            Some(Exc::group("", raised))
        }
    }
}

/// `split_by_leaf_ids`: the match side of a split by leaf identity. A group
/// is never itself in the set of leaves, so every group level is derived.
fn project(orig: &Exc, keep: &[Exc]) -> Option<Exc> {
    match orig.members() {
        None => keep.iter().any(|k| k.same(orig)).then(|| orig.clone()),
        Some(members) => {
            let kept: Vec<Exc> = members.iter().filter_map(|m| project(m, keep)).collect();
            derive(orig, kept)
        }
    }
}
