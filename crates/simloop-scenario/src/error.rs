//! The one error type of this crate: where in the JSON, and what is wrong.

use std::fmt;

use serde_json::Value;

use crate::path::Path;

/// Why a scenario was rejected, with the JSON path of the offending part.
///
/// `Display` prints `path: message`, e.g.
/// `$.main[2].gather[0][1].sleep: expected a non-negative integer, got -5`.
/// The message says what was expected and what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    kind: ErrorKind,
    path: String,
    message: String,
}

/// The broad class of a [`ScenarioError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text is not JSON (syntax, a duplicate key, nesting too deep for
    /// the parser). The message carries serde_json's line and column.
    Json,
    /// The JSON does not have the format's shape: an unknown step or key, a
    /// wrong type, a missing key, a negative time.
    Shape,
    /// Well-formed but meaningless: a `return` that is not last, an unknown
    /// semaphore, a name clash, a task awaiting itself, ...
    Invalid,
    /// A bound of [`Limits`](crate::Limits) was exceeded.
    Limit,
}

impl ScenarioError {
    pub(crate) fn new(kind: ErrorKind, path: &Path<'_>, message: impl Into<String>) -> Self {
        Self::at(kind, path.to_string(), message)
    }

    pub(crate) fn at(kind: ErrorKind, path: String, message: impl Into<String>) -> Self {
        ScenarioError {
            kind,
            path,
            message: message.into(),
        }
    }

    pub(crate) fn shape(path: &Path<'_>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Shape, path, message)
    }

    pub(crate) fn invalid(path: &Path<'_>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, path, message)
    }

    pub(crate) fn limit(path: &Path<'_>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Limit, path, message)
    }

    /// `expected {what}, got {found}`.
    pub(crate) fn expected(path: &Path<'_>, what: &str, found: &Value) -> Self {
        Self::shape(path, format!("expected {what}, got {}", describe(found)))
    }

    /// The broad class of the error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The JSON path of the offending part: `$` is the whole document, then
    /// `.key` and `[index]` (`["key"]` for a key that is not an identifier).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What was expected and what was found, without the path.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// A short description of a JSON value for "got ..." (never the whole of a
/// large or deep value: this does not recurse).
pub(crate) fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::Array(a) if a.is_empty() => "an empty list".to_owned(),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(o) if o.is_empty() => "an empty object".to_owned(),
        Value::Object(o) => {
            let keys: Vec<String> = o.keys().take(3).map(|k| quote(k)).collect();
            let more = if o.len() > 3 { ", ..." } else { "" };
            format!("an object with keys {}{more}", keys.join(", "))
        }
    }
}

/// A string as a JSON literal, shortened past 40 characters.
pub(crate) fn quote(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        None => Value::from(s).to_string(),
        Some((cut, _)) => {
            let lit = Value::from(&s[..cut]).to_string();
            format!("{}...\"", &lit[..lit.len() - 1])
        }
    }
}

/// The option closest to `word` by edit distance, if it is close enough to
/// be a likely typo.
pub(crate) fn did_you_mean<'a>(word: &str, options: impl IntoIterator<Item = &'a str>) -> String {
    let len = word.chars().count();
    if !(3..=64).contains(&len) {
        return String::new();
    }
    let limit = (len / 3).clamp(1, 3);
    let best = options
        .into_iter()
        .filter(|o| o.chars().count().abs_diff(len) <= limit)
        .map(|o| (edit_distance(word, o), o))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d);
    match best {
        Some((_, o)) => format!(" (did you mean {}?)", quote(o)),
        None => String::new(),
    }
}

/// Edit distance counting a swap of two adjacent characters as one edit
/// (optimal string alignment), so `mian` is 1 from `main`.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            d[i * width + j] = if i == 0 || j == 0 {
                i + j
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut best = (d[(i - 1) * width + j - 1] + cost)
                    .min(d[(i - 1) * width + j] + 1)
                    .min(d[i * width + j - 1] + 1);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(d[(i - 2) * width + j - 2] + 1);
                }
                best
            };
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("sleeep", ["sleep", "spawn"]),
            " (did you mean \"sleep\"?)"
        );
        assert_eq!(did_you_mean("xyz", ["sleep"]), "");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("mian", "main"), 1);
        assert_eq!(edit_distance("", "ab"), 2);
    }

    #[test]
    fn long_strings_are_shortened() {
        let s = "é".repeat(50);
        assert_eq!(quote(&s), format!("\"{}...\"", "é".repeat(40)));
        assert_eq!(quote("a\"b"), r#""a\"b""#);
    }
}
