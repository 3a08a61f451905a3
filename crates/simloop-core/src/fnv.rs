//! FNV-1a (64-bit), how the trace hashes exception texts, and how to
//! fold a long text in `O(1)`.
//!
//! The text of a deeply nested exception group is long (every level prints
//! its members), and a trace folds it once per task that ends with it:
//! quadratic in the depth. But FNV-1a over a fixed text is an affine map of
//! the state whose constant depends only on the state's low byte:
//! `h -> h * P^n + t[h & 0xff]`, where `n` is the text's length. Such maps
//! compose, so a group's map is built from its members' maps in `O(256)`
//! per member ([`Transform`]), and folding its text costs `O(1)`.
//!
//! Why: with `l = h & 0xff`, `h ^ b = h + ((l ^ b) - l)`, so one step is
//! `h' = (h + d) * P` with `d` depending only on `l` and `b`, and the next
//! low byte is `((l ^ b) * P) & 0xff`, again only on `l` and `b`.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
pub(crate) const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// One byte.
fn step(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
}

/// The bytes of `s`, in order.
pub(crate) fn fold_bytes(h: u64, s: &[u8]) -> u64 {
    s.iter().fold(h, |h, &b| step(h, b))
}

/// A `fmt::Write` that folds what is written, so that a `Display` is
/// hashed without building its string.
pub(crate) struct Folder(pub(crate) u64);

impl fmt::Write for Folder {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 = fold_bytes(self.0, s.as_bytes());
        Ok(())
    }
}

/// A `fmt::Write` that counts the bytes written.
pub(crate) struct Counter(pub(crate) usize);

impl fmt::Write for Counter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

/// What folding one fixed text does to any state: `h -> h * pow + t[h & 0xff]`.
pub(crate) struct Transform {
    pow: u64,
    t: Box<[u64; 256]>,
}

impl Transform {
    /// The map of `text`: 256 FNV runs, one per low byte of the state.
    pub(crate) fn of(text: &[u8]) -> Transform {
        let pow = (0..text.len()).fold(1u64, |p, _| p.wrapping_mul(FNV_PRIME));
        let mut t = Box::new([0u64; 256]);
        for (l, slot) in (0u64..).zip(t.iter_mut()) {
            // From the state `l` (nothing above its low byte): `l * pow + t[l]`.
            *slot = fold_bytes(l, text).wrapping_sub(l.wrapping_mul(pow));
        }
        Transform { pow, t }
    }

    /// The map of `self`'s text followed by `next`'s.
    pub(crate) fn then(&self, next: &Transform) -> Transform {
        let mut t = Box::new([0u64; 256]);
        for (l, slot) in (0u64..).zip(t.iter_mut()) {
            let mid = self.apply(l);
            // `mid` is the state after self's text from `l`; from a state `h`
            // with low byte `l` it is `mid + (h - l) * self.pow`, whose low
            // byte is `mid`'s (`h - l` has none).
            *slot = self.t[l as usize]
                .wrapping_mul(next.pow)
                .wrapping_add(next.t[(mid & 0xff) as usize]);
        }
        Transform {
            pow: self.pow.wrapping_mul(next.pow),
            t,
        }
    }

    /// The map of `text`, from a small per-thread cache: the texts between
    /// a group's members (`ExceptionGroup("msg", [`, `, `, `])`) repeat.
    pub(crate) fn of_cached(text: &[u8]) -> Rc<Transform> {
        const SLOTS: usize = 8;
        type Slots = Vec<(Box<[u8]>, Rc<Transform>)>;
        thread_local! {
            static CACHE: RefCell<Slots> = const { RefCell::new(Vec::new()) };
        }
        CACHE.with(|c| {
            let mut c = c.borrow_mut();
            if let Some((_, t)) = c.iter().find(|(k, _)| **k == *text) {
                return t.clone();
            }
            let t = Rc::new(Transform::of(text));
            if c.len() == SLOTS {
                c.remove(0);
            }
            c.push((text.into(), t.clone()));
            t
        })
    }

    /// Fold the text into `h`.
    pub(crate) fn apply(&self, h: u64) -> u64 {
        h.wrapping_mul(self.pow)
            .wrapping_add(self.t[(h & 0xff) as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transforms_fold_exactly_their_text() {
        let texts: [&[u8]; 4] = [b"", b"x", b"ExceptionGroup(\"m\", [", b"])\xff\x00"];
        let mut h = FNV_OFFSET;
        for (i, a) in texts.iter().enumerate() {
            for b in &texts {
                let ab = Transform::of(a).then(&Transform::of(b));
                let joined = [*a, *b].concat();
                for probe in [h, !h, h ^ 0xff, 0, u64::MAX] {
                    assert_eq!(
                        Transform::of(&joined).apply(probe),
                        fold_bytes(probe, &joined)
                    );
                    assert_eq!(ab.apply(probe), fold_bytes(probe, &joined));
                }
                h = fold_bytes(h, &[i as u8 + 1]);
            }
        }
    }
}
