//! Python's exception values, as far as asyncio needs them.
//!
//! An [`Exc`] is a cheap, reference-counted handle: cloning keeps the
//! *identity* of the exception (as re-raising does in Python), which
//! `except*` needs to tell a re-raised leaf from a new one.

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

use crate::fold;

/// A raised Python exception: `CancelledError`, an exception of a named class,
/// or an exception group. Which classes an `except` clause names, and which
/// a scenario raises, is an [`ExcKind`].
#[derive(Clone)]
pub struct Exc(Rc<Inner>);

struct Inner {
    shape: Shape,
    message: Option<Rc<str>>,
    /// [`Exc::is_exception`], worked out once: a group's answer depends on
    /// every member, and asking at every level of a nested group would cost
    /// the square of its depth (cube, printed).
    is_exception: bool,
    /// Its class, message and members folded into a word, worked out once
    /// from the members' own: a trace hashes an exception in `O(1)` however
    /// deep the group (hashing the text cost the square of the depth).
    fingerprint: u64,
    /// How often the object was raised again from a future holding it:
    /// each time CPython gives it a new `__traceback__` (and maybe
    /// `__context__`), the metadata `except*` compares.
    reraised: Cell<u32>,
}

impl Inner {
    fn fingerprint(&self) -> u64 {
        let h = match &self.shape {
            Shape::Cancelled => fold::word(fold::SEED, 0),
            Shape::Class { name, base_only } => fold::word(
                fold::text(fold::word(fold::SEED, 1), name),
                u64::from(*base_only),
            ),
            Shape::Group { members } => members.iter().fold(
                fold::word(fold::word(fold::SEED, 2), members.len() as u64),
                |h, m| fold::word(h, m.0.fingerprint),
            ),
        };
        match &self.message {
            None => fold::word(h, 0),
            Some(m) => fold::text(fold::word(h, 1), m),
        }
    }
}

/// What an exception is made of.
#[derive(Clone, Debug)]
enum Shape {
    /// `asyncio.CancelledError` (a `BaseException`).
    Cancelled,
    /// An instance of the class with this name. `base_only` marks classes that
    /// derive from `BaseException` but not `Exception` (`KeyboardInterrupt`,
    /// `SystemExit`): asyncio treats those as "base errors".
    Class {
        /// The class name, e.g. `ValueError`, `TimeoutError`, `Boom`.
        name: Rc<str>,
        /// True for `BaseException`-only classes.
        base_only: bool,
    },
    /// `ExceptionGroup(message, members)`, or `BaseExceptionGroup` when a member
    /// is not an `Exception`.
    Group {
        /// The members, in order.
        members: Rc<[Exc]>,
    },
}

impl Exc {
    /// `CancelledError(msg)`.
    pub fn cancelled(message: Option<Rc<str>>) -> Exc {
        Exc::with(Shape::Cancelled, message)
    }

    /// An instance of the (`Exception`-derived) class `name`.
    pub fn new(name: &str) -> Exc {
        Exc::with(
            Shape::Class {
                name: name.into(),
                base_only: false,
            },
            None,
        )
    }

    /// An instance of class `name` with a message, e.g. `RuntimeError("...")`.
    pub fn with_message(name: &str, message: &str) -> Exc {
        Exc::with(
            Shape::Class {
                name: name.into(),
                base_only: false,
            },
            Some(message.into()),
        )
    }

    /// An instance of a `BaseException`-only class such as `KeyboardInterrupt`.
    pub fn base(name: &str) -> Exc {
        Exc::with(
            Shape::Class {
                name: name.into(),
                base_only: true,
            },
            None,
        )
    }

    /// `TimeoutError()`.
    pub fn timeout() -> Exc {
        Exc::new("TimeoutError")
    }

    /// `ExceptionGroup(message, members)` (a `BaseExceptionGroup` if any member
    /// is not an `Exception`; see [`Exc::is_exception`]).
    pub fn group(message: &str, members: Vec<Exc>) -> Exc {
        Exc::with(
            Shape::Group {
                members: members.into(),
            },
            Some(message.into()),
        )
    }

    fn with(shape: Shape, message: Option<Rc<str>>) -> Exc {
        let is_exception = match &shape {
            Shape::Cancelled => false,
            Shape::Class { base_only, .. } => !base_only,
            Shape::Group { members } => members.iter().all(Exc::is_exception),
        };
        let mut e = Inner {
            shape,
            message,
            is_exception,
            fingerprint: 0,
            reraised: Cell::new(0),
        };
        e.fingerprint = e.fingerprint();
        Exc(Rc::new(e))
    }

    /// Class, message and members as one word. It is stricter than `==`,
    /// which compares printed class names: a class named `CancelledError`
    /// and the real one differ here.
    pub(crate) fn fingerprint(&self) -> u64 {
        self.0.fingerprint
    }

    /// The message (`str(exc)` for a leaf, `eg.message` for a group).
    pub fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }

    /// Is it a `CancelledError`?
    pub fn is_cancelled(&self) -> bool {
        matches!(self.0.shape, Shape::Cancelled)
    }

    /// The class name as `type(e).__name__` gives it.
    pub fn class_name(&self) -> &str {
        match &self.0.shape {
            Shape::Cancelled => "CancelledError",
            Shape::Class { name, .. } => name,
            Shape::Group { .. } if self.is_exception() => "ExceptionGroup",
            Shape::Group { .. } => "BaseExceptionGroup",
        }
    }

    /// The members of a group, `None` for a leaf.
    pub fn members(&self) -> Option<&[Exc]> {
        match &self.0.shape {
            Shape::Group { members } => Some(members),
            _ => None,
        }
    }

    /// Does it derive from `Exception` (rather than only `BaseException`)?
    /// A group is an `ExceptionGroup` when all its members are.
    pub fn is_exception(&self) -> bool {
        self.0.is_exception
    }

    /// Is it a `KeyboardInterrupt` or `SystemExit`, the two classes
    /// `Task.__step` re-raises out of the event loop after finishing the
    /// task with them (`Handle._run` lets them through too)?
    pub fn is_interrupt(&self) -> bool {
        matches!(
            &self.0.shape,
            Shape::Class { name, base_only: true }
                if matches!(&**name, "KeyboardInterrupt" | "SystemExit")
        )
    }

    /// Same object (Python's `is`), not just equal.
    pub fn same(&self, other: &Exc) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    /// The object is raised again (`await` of a future that holds it, as
    /// `Future.result()` raises `self._exception`): in CPython its
    /// `__traceback__` changes, so parts `except*` split off it earlier no
    /// longer carry its metadata.
    pub fn raised_again(&self) {
        self.0.reraised.set(self.0.reraised.get().wrapping_add(1));
    }

    /// How often [`Exc::raised_again`] was called: equal counts, same
    /// metadata.
    pub fn times_raised_again(&self) -> u32 {
        self.0.reraised.get()
    }
}

/// Structural equality: same kinds, messages and members (not identity).
impl PartialEq for Exc {
    fn eq(&self, other: &Exc) -> bool {
        self.class_name() == other.class_name()
            && self.message() == other.message()
            && self.members() == other.members()
    }
}

impl fmt::Debug for Exc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Python-like: `ValueError`, `RuntimeError('msg')`,
/// `ExceptionGroup('msg', [ValueError, ...])`.
impl fmt::Display for Exc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.class_name())?;
        match (self.message(), self.members()) {
            (msg, Some(members)) => {
                write!(f, "({:?}, [", msg.unwrap_or(""))?;
                for (i, m) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{m}")?;
                }
                f.write_str("])")
            }
            (Some(msg), None) => write!(f, "({msg:?})"),
            (None, None) => Ok(()),
        }
    }
}

/// An exception class as a program names it, in `raise K` and in
/// `except K` / `except* K` clauses: the one vocabulary of exception kinds
/// that the core, the combinators' matchers and the scenario format share.
///
/// Every name that is not reserved names a class deriving from `Exception`
/// ([`ExcKind::User`]), with no hierarchy between such classes (`ValueError`
/// among them, which no builtin subclass reaches).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExcKind {
    /// `asyncio.CancelledError`: a cancellation (a `BaseException`).
    CancelledError,
    /// The builtin `TimeoutError`, raised by `asyncio.timeout`.
    TimeoutError,
    /// `Exception`: matches every exception deriving from it, groups of
    /// them included, but not a cancellation.
    Exception,
    /// `BaseException`: matches everything. Cannot be raised.
    BaseException,
    /// `BaseExceptionGroup` (spelled `ExceptionGroup` in scenarios):
    /// matches any exception group. Cannot be raised, nor caught by
    /// `except*`.
    ExceptionGroup,
    /// The builtin `KeyboardInterrupt`, a `BaseException` that a task
    /// raises out of the event loop ([`Exc::is_interrupt`]).
    KeyboardInterrupt,
    /// The builtin `SystemExit`, likewise.
    SystemExit,
    /// A class deriving from `Exception`, by name.
    User(std::sync::Arc<str>),
}

impl ExcKind {
    /// The reserved names, which never make an [`ExcKind::User`].
    pub const RESERVED: [&'static str; 7] = [
        "CancelledError",
        "TimeoutError",
        "Exception",
        "BaseException",
        "ExceptionGroup",
        "KeyboardInterrupt",
        "SystemExit",
    ];

    /// The kind `name` means: a reserved variant, or [`ExcKind::User`] for
    /// anything else (not checked to be a Python identifier).
    pub fn from_name(name: &str) -> ExcKind {
        match name {
            "CancelledError" => ExcKind::CancelledError,
            "TimeoutError" => ExcKind::TimeoutError,
            "Exception" => ExcKind::Exception,
            "BaseException" => ExcKind::BaseException,
            "ExceptionGroup" => ExcKind::ExceptionGroup,
            "KeyboardInterrupt" => ExcKind::KeyboardInterrupt,
            "SystemExit" => ExcKind::SystemExit,
            _ => ExcKind::User(name.into()),
        }
    }

    /// The class name, as written in scenarios and outcomes.
    pub fn name(&self) -> &str {
        match self {
            ExcKind::CancelledError => "CancelledError",
            ExcKind::TimeoutError => "TimeoutError",
            ExcKind::Exception => "Exception",
            ExcKind::BaseException => "BaseException",
            ExcKind::ExceptionGroup => "ExceptionGroup",
            ExcKind::KeyboardInterrupt => "KeyboardInterrupt",
            ExcKind::SystemExit => "SystemExit",
            ExcKind::User(name) => name,
        }
    }

    /// `isinstance(exc, K)`. A named class matches a plain exception (not
    /// a group) of exactly that class.
    pub fn matches(&self, exc: &Exc) -> bool {
        match self {
            ExcKind::Exception => exc.is_exception(),
            ExcKind::BaseException => true,
            ExcKind::ExceptionGroup => exc.members().is_some(),
            ExcKind::CancelledError => exc.is_cancelled(),
            named => exc.members().is_none() && exc.class_name() == named.name(),
        }
    }

    /// A new instance, as `raise K()` makes it; `None` for the kinds that
    /// cannot be raised (`BaseException`, `ExceptionGroup`).
    pub fn instance(&self) -> Option<Exc> {
        match self {
            ExcKind::CancelledError => Some(Exc::cancelled(None)),
            ExcKind::BaseException | ExcKind::ExceptionGroup => None,
            ExcKind::KeyboardInterrupt | ExcKind::SystemExit => Some(Exc::base(self.name())),
            named => Some(Exc::new(named.name())),
        }
    }
}

/// [`ExcKind::from_name`].
impl From<&str> for ExcKind {
    fn from(name: &str) -> ExcKind {
        ExcKind::from_name(name)
    }
}

impl fmt::Display for ExcKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_of_exceptions_are_exception_groups() {
        let g = Exc::group("m", vec![Exc::new("A"), Exc::timeout()]);
        assert_eq!(g.class_name(), "ExceptionGroup");
        assert!(g.is_exception());
        let b = Exc::group("m", vec![Exc::new("A"), Exc::base("KeyboardInterrupt")]);
        assert_eq!(b.class_name(), "BaseExceptionGroup");
        assert_eq!(
            b.to_string(),
            "BaseExceptionGroup(\"m\", [A, KeyboardInterrupt])"
        );
    }

    #[test]
    fn fingerprints_follow_structure_not_identity_or_text() {
        let group = |m: &str, members: Vec<Exc>| Exc::group(m, members);
        let a = || Exc::new("A");
        let b = || Exc::with_message("B", "m");
        // Equal structures built apart: equal.
        assert_eq!(
            group("g", vec![a(), b()]).fingerprint(),
            group("g", vec![a(), b()]).fingerprint()
        );
        // Any difference in class, message, membership or order: different,
        // even where the printed texts agree (`CancelledError` the class
        // and the real one; `Exception` and a bare `BaseException`-only
        // class of the same name).
        let distinct = [
            Exc::cancelled(None),
            Exc::cancelled(Some("".into())),
            Exc::new("CancelledError"),
            Exc::base("CancelledError"),
            a(),
            b(),
            Exc::with_message("B", "n"),
            group("g", vec![a(), b()]),
            group("g", vec![b(), a()]),
            group("g", vec![a()]),
            group("h", vec![a(), b()]),
            group("g", vec![group("g", vec![a()])]),
        ];
        for (i, x) in distinct.iter().enumerate() {
            for y in &distinct[i + 1..] {
                assert_ne!(x.fingerprint(), y.fingerprint(), "{x} vs {y}");
            }
        }
        // Depth is structure too.
        let mut nested = a();
        let mut seen = vec![nested.fingerprint()];
        for _ in 0..1000 {
            nested = group("unhandled errors in a TaskGroup", vec![nested]);
            seen.push(nested.fingerprint());
        }
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 1001);
    }

    #[test]
    fn clones_keep_identity_equal_values_do_not() {
        let a = Exc::new("A");
        assert!(a.same(&a.clone()));
        assert!(!a.same(&Exc::new("A")));
        assert_eq!(a, Exc::new("A"));
        assert!(Exc::cancelled(None).is_cancelled());
    }
}
