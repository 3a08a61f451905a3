//! Names as text for people: a task or scenario name is any string, and a
//! control character in it must not reach a terminal (escape sequences)
//! nor an XML file (where it is not allowed).

use std::borrow::Cow;

/// Whether `c` is shown escaped: the C0 and C1 controls (U+0000 to U+001F,
/// U+007F to U+009F) and the noncharacters U+FFFE and U+FFFF, which XML
/// does not allow either.
pub fn is_escaped(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}')
}

/// `s` with each character [`is_escaped`] says written as Rust writes it,
/// `\u{1b}` for ESC; borrowed when there is none (the usual case).
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    escape_controls_but(s, |_| false)
}

/// [`escape_controls`], keeping the characters `keep` says (`\n` in a
/// multi-line message).
pub fn escape_controls_but(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(|c| is_escaped(c) && !keep(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_escaped(c) && !keep(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_the_rest_kept() {
        assert_eq!(
            escape_controls("x\u{1b}]0;pwned\u{7}\u{1b}[2J"),
            "x\\u{1b}]0;pwned\\u{7}\\u{1b}[2J"
        );
        assert_eq!(
            escape_controls("\u{0}\u{1f}\u{7f}\u{9f}\u{fffe}\u{ffff}"),
            "\\u{0}\\u{1f}\\u{7f}\\u{9f}\\u{fffe}\\u{ffff}"
        );
        assert!(matches!(
            escape_controls("tâche ✓ \u{a0}\u{fffd}"),
            Cow::Borrowed(_)
        ));
        assert_eq!(escape_controls_but("a\nb\tc", |c| c == '\n'), "a\nb\\u{9}c");
    }
}
