//! Words for the picture: XML escaping, short labels for exceptions, and
//! text widths for layout.

use simloop_core::{is_escaped, Exc};

/// `s` with `& < > " '` escaped, for XML text and attribute values; a
/// control character XML does not allow (all but tab, line feed and
/// carriage return) is shown as Rust writes it: `\u{1b}`.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(c),
            c if is_escaped(c) => out.extend(c.escape_unicode()),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters, the last one `…` if cut.
pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// An exception by class, a group with its members' classes:
/// `ExceptionGroup(FetchError, Boom)`.
pub(crate) fn exc_short(e: &Exc) -> String {
    match e.members() {
        Some(members) => {
            let inner: Vec<String> = members.iter().map(exc_short).collect();
            format!("{}({})", e.class_name(), inner.join(", "))
        }
        None => e.class_name().to_owned(),
    }
}

/// Width in pixels of `s` in the monospace font at `size` px: every font
/// the picture may fall back to advances about 0.6 em per character.
pub(crate) fn mono_width(s: &str, size: i64) -> i64 {
    (s.chars().count() as i64 * size * 62 + 99) / 100
}

/// About the width in pixels of `s` in the proportional font at `size` px
/// (generous: DejaVu Sans and Verdana are wide).
pub(crate) fn sans_width(s: &str, size: i64) -> i64 {
    (s.chars().count() as i64 * size * 56 + 99) / 100
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn shows_control_characters_escaped() {
        assert_eq!(
            esc("x\u{1b}]0;pwned\u{7}\u{0}\u{fffe}<\n"),
            "x\\u{1b}]0;pwned\\u{7}\\u{0}\\u{fffe}&lt;\n"
        );
    }

    #[test]
    fn clips_long_text() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }

    #[test]
    fn groups_list_their_members() {
        let g = Exc::group("g", vec![Exc::new("Boom"), Exc::timeout()]);
        assert_eq!(exc_short(&g), "ExceptionGroup(Boom, TimeoutError)");
    }
}
