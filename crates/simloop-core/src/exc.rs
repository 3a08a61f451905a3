//! Python's exception values, as far as asyncio needs them.
//!
//! An [`Exc`] is a cheap, reference-counted handle: cloning keeps the
//! *identity* of the exception (as re-raising does in Python), which
//! `except*` needs to tell a re-raised leaf from a new one.

use std::fmt;
use std::rc::Rc;

/// A raised Python exception: `CancelledError`, an exception of a named class,
/// or an exception group.
#[derive(Clone)]
pub struct Exc(Rc<Inner>);

struct Inner {
    kind: Kind,
    message: Option<Rc<str>>,
}

/// What an exception is.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Kind {
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
        Exc::with(Kind::Cancelled, message)
    }

    /// An instance of the (`Exception`-derived) class `name`.
    pub fn new(name: &str) -> Exc {
        Exc::with(
            Kind::Class {
                name: name.into(),
                base_only: false,
            },
            None,
        )
    }

    /// An instance of class `name` with a message, e.g. `RuntimeError("...")`.
    pub fn with_message(name: &str, message: &str) -> Exc {
        Exc::with(
            Kind::Class {
                name: name.into(),
                base_only: false,
            },
            Some(message.into()),
        )
    }

    /// An instance of a `BaseException`-only class such as `KeyboardInterrupt`.
    pub fn base(name: &str) -> Exc {
        Exc::with(
            Kind::Class {
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
            Kind::Group {
                members: members.into(),
            },
            Some(message.into()),
        )
    }

    fn with(kind: Kind, message: Option<Rc<str>>) -> Exc {
        Exc(Rc::new(Inner { kind, message }))
    }

    /// What this exception is.
    pub fn kind(&self) -> &Kind {
        &self.0.kind
    }

    /// The message (`str(exc)` for a leaf, `eg.message` for a group).
    pub fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }

    /// Is it a `CancelledError`?
    pub fn is_cancelled(&self) -> bool {
        matches!(self.0.kind, Kind::Cancelled)
    }

    /// The class name as `type(e).__name__` gives it.
    pub fn class_name(&self) -> &str {
        match &self.0.kind {
            Kind::Cancelled => "CancelledError",
            Kind::Class { name, .. } => name,
            Kind::Group { .. } if self.is_exception() => "ExceptionGroup",
            Kind::Group { .. } => "BaseExceptionGroup",
        }
    }

    /// The members of a group, `None` for a leaf.
    pub fn members(&self) -> Option<&[Exc]> {
        match &self.0.kind {
            Kind::Group { members } => Some(members),
            _ => None,
        }
    }

    /// Does it derive from `Exception` (rather than only `BaseException`)?
    /// A group is an `ExceptionGroup` when all its members are.
    pub fn is_exception(&self) -> bool {
        match &self.0.kind {
            Kind::Cancelled => false,
            Kind::Class { base_only, .. } => !base_only,
            Kind::Group { members } => members.iter().all(Exc::is_exception),
        }
    }

    /// Same object (Python's `is`), not just equal.
    pub fn same(&self, other: &Exc) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
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
    fn clones_keep_identity_equal_values_do_not() {
        let a = Exc::new("A");
        assert!(a.same(&a.clone()));
        assert!(!a.same(&Exc::new("A")));
        assert_eq!(a, Exc::new("A"));
        assert!(Exc::cancelled(None).is_cancelled());
    }
}
