//! Python's exception values, as far as asyncio needs them.
//!
//! An [`Exc`] is a cheap, reference-counted handle: cloning keeps the
//! *identity* of the exception (as re-raising does in Python), which
//! `except*` needs to tell a re-raised leaf from a new one.

use std::cell::OnceCell;
use std::fmt::{self, Write as _};
use std::rc::Rc;

use crate::fnv::{Counter, Folder, Transform};

/// Above this many bytes of text, an exception's text is folded into a
/// trace hash through its [`Transform`] instead of byte by byte.
const LONG_TEXT: usize = 4096;

/// A raised Python exception: `CancelledError`, an exception of a named class,
/// or an exception group.
#[derive(Clone)]
pub struct Exc(Rc<Inner>);

struct Inner {
    kind: Kind,
    message: Option<Rc<str>>,
    /// [`Exc::is_exception`], worked out once: a group's answer depends on
    /// every member, and asking at every level of a nested group would cost
    /// the square of its depth (cube, printed).
    is_exception: bool,
    /// The length of its `Display` text, worked out once from the members'.
    display_len: usize,
    /// Folding its text into a hash, for long texts (nested groups).
    fnv: OnceCell<Transform>,
}

impl Inner {
    /// The length of `Display`'s text, given the members' (computed once).
    fn display_len(&self) -> usize {
        let debug_len = |s: &str| {
            let mut c = Counter(0);
            write!(c, "{s:?}").expect("counting never fails");
            c.0
        };
        match &self.kind {
            Kind::Group { members } => {
                let class = if self.is_exception {
                    "ExceptionGroup"
                } else {
                    "BaseExceptionGroup"
                };
                let members_len: usize = members.iter().map(|m| m.0.display_len).sum();
                class.len()
                    + 1
                    + debug_len(self.message.as_deref().unwrap_or(""))
                    + 3
                    + members_len
                    + 2 * members.len().saturating_sub(1)
                    + 2
            }
            kind => {
                let class = match kind {
                    Kind::Class { name, .. } => name,
                    _ => "CancelledError",
                };
                class.len() + self.message.as_deref().map_or(0, |m| 2 + debug_len(m))
            }
        }
    }
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
        let is_exception = match &kind {
            Kind::Cancelled => false,
            Kind::Class { base_only, .. } => !base_only,
            Kind::Group { members } => members.iter().all(Exc::is_exception),
        };
        let mut e = Inner {
            kind,
            message,
            is_exception,
            display_len: 0,
            fnv: OnceCell::new(),
        };
        e.display_len = e.display_len();
        Exc(Rc::new(e))
    }

    /// The length of the `Display` text, from the members' (see `Display`).
    pub(crate) fn display_len(&self) -> usize {
        self.0.display_len
    }

    /// FNV-1a of the `Display` text, folded into `h`, without printing it.
    pub(crate) fn fold_display(&self, h: u64) -> u64 {
        if self.0.display_len <= LONG_TEXT {
            let mut f = Folder(h);
            write!(f, "{self}").expect("folding never fails");
            return f.0;
        }
        self.transform().apply(h)
    }

    /// The map of the `Display` text (see [`Transform`]), built once from
    /// the members' and kept.
    fn transform(&self) -> &Transform {
        self.0.fnv.get_or_init(|| {
            let Some(members) = self.members() else {
                return Transform::of(self.to_string().as_bytes());
            };
            let opening = Transform::of_cached(self.group_opening().as_bytes());
            let mut t: Option<Transform> = None;
            let mut then = |next: &Transform| {
                t = Some(t.as_ref().unwrap_or(&opening).then(next));
            };
            for (i, m) in members.iter().enumerate() {
                if i > 0 {
                    then(&Transform::of_cached(b", "));
                }
                if m.0.display_len <= LONG_TEXT {
                    then(&Transform::of(m.to_string().as_bytes()));
                } else {
                    then(m.transform());
                }
            }
            then(&Transform::of_cached(b"])"));
            t.expect("closed")
        })
    }

    /// A group's text up to its first member: `ExceptionGroup("msg", [`.
    fn group_opening(&self) -> String {
        format!(
            "{}({:?}, [",
            self.class_name(),
            self.message().unwrap_or("")
        )
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
        self.0.is_exception
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
    use crate::fnv;

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
    fn display_len_and_fold_display_match_the_text() {
        let leaf = |i: usize| match i % 4 {
            0 => Exc::new("Boom"),
            1 => Exc::with_message("RuntimeError", "say \"hi\"\n\u{e9}"),
            2 => Exc::cancelled(Some("bye".into())),
            _ => Exc::base("KeyboardInterrupt"),
        };
        let mut excs = vec![Exc::cancelled(None), leaf(1), leaf(2)];
        // Groups wide and deep, past LONG_TEXT, with the leaves in between.
        let mut nested = leaf(0);
        for depth in 0..150 {
            let mut members = vec![nested.clone()];
            members.extend((0..depth % 3).map(|i| leaf(i + depth)));
            nested = Exc::group("unhandled errors in a TaskGroup", members);
            excs.push(nested.clone());
        }
        excs.push(Exc::group("wide", excs.clone()));
        let mut h = fnv::FNV_OFFSET;
        for e in &excs {
            let text = e.to_string();
            assert_eq!(e.display_len(), text.len());
            assert_eq!(e.fold_display(h), fnv::fold_bytes(h, text.as_bytes()));
            h = fnv::fold_bytes(h, &text.len().to_le_bytes());
        }
        assert!(nested.display_len() > LONG_TEXT);
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
