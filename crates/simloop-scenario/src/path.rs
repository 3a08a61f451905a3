//! JSON paths for error messages, built on the stack as the walk descends
//! and rendered only when an error needs one.

use std::fmt;

/// One step down from a JSON value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// A JSON path as a linked list from the leaf up to `$`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    seg: Option<Seg<'a>>,
}

impl Path<'static> {
    /// `$`, the whole document.
    pub(crate) const ROOT: Path<'static> = Path {
        parent: None,
        seg: None,
    };
}

impl<'a> Path<'a> {
    /// This path followed by `.key`.
    pub(crate) fn key(&'a self, key: &'a str) -> Path<'a> {
        Path {
            parent: Some(self),
            seg: Some(Seg::Key(key)),
        }
    }

    /// This path followed by `[index]`.
    pub(crate) fn index(&'a self, index: usize) -> Path<'a> {
        Path {
            parent: Some(self),
            seg: Some(Seg::Index(index)),
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut segs = Vec::new();
        let mut at = Some(self);
        while let Some(p) = at {
            segs.extend(p.seg);
            at = p.parent;
        }
        let mut out = String::from("$");
        for seg in segs.iter().rev() {
            match seg {
                Seg::Index(i) => out.push_str(&format!("[{i}]")),
                Seg::Key(k) => push_key(&mut out, k),
            }
        }
        f.write_str(&out)
    }
}

/// Append `.key`, or `["key"]` for a key that is not an identifier.
pub(crate) fn push_key(path: &mut String, key: &str) {
    if is_plain_key(key) {
        path.push('.');
        path.push_str(key);
    } else {
        path.push('[');
        path.push_str(&serde_json::Value::from(key).to_string());
        path.push(']');
    }
}

fn is_plain_key(k: &str) -> bool {
    let mut chars = k.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders() {
        let main = Path::ROOT.key("main");
        let step = main.index(2);
        let gather = step.key("gather");
        let child = gather.index(0);
        let inner = child.index(1);
        let leaf = inner.key("sleep");
        assert_eq!(leaf.to_string(), "$.main[2].gather[0][1].sleep");
        let sems = Path::ROOT.key("semaphores");
        let odd = sems.key("a b");
        assert_eq!(odd.to_string(), "$.semaphores[\"a b\"]");
        assert_eq!(Path::ROOT.to_string(), "$");
    }
}
