//! The timeline as a web page: the SVG inline, a box that shows the details
//! of whatever the pointer is over, and the text timeline.

use simloop_asyncio::runner::RunReport;
use simloop_asyncio::timeline::Words;

use crate::svg::render_svg;
use crate::text::esc;

/// The timeline of `run` as a standalone HTML page titled `title`: the
/// picture of [`render_svg`], a details box that shows the tooltip of the
/// bar or mark under the pointer (a few lines of inline script; without
/// script the browser's own tooltips still work), and the text timeline of
/// `simloop run` under it. No external assets.
pub fn render_html<T>(report: &RunReport<T>, title: &str, words: &dyn Words) -> String {
    let svg = render_svg(report, title, words);
    let text = report.timeline(words);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <div id=\"details\">Point at a bar, an arrow or a mark for its details.</div>\n\
         {svg}<h2>Timeline</h2>\n<pre>{text}</pre>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        title = esc(&format!("simloop timeline: {title}")),
        text = esc(&text),
    )
}

const STYLE: &str = "\
body{margin:0;padding:0 12px 24px;font-family:'DejaVu Sans',Verdana,Arial,sans-serif;color:#222;background:#fff}\
#details{position:sticky;top:0;z-index:1;min-height:2.6em;margin:0 -12px 8px;padding:6px 12px;\
background:#fffbe6;border-bottom:1px solid #e0d8a8;font-size:13px;white-space:pre-line}\
svg .bar,svg .mark,svg .tick-column,svg .shutdown{cursor:help}\
svg .bar:hover,svg .mark:hover{filter:brightness(0.75)}\
h2{font-size:15px;margin:24px 0 6px}\
pre{font-size:12px;background:#f6f6f6;padding:8px;overflow-x:auto}";

/// Show the `<title>` of the nearest element under the pointer that has one.
const SCRIPT: &str = "\
(function(){var box=document.getElementById('details');var svg=document.querySelector('svg');\
svg.addEventListener('mouseover',function(e){for(var el=e.target;el&&el!==svg;el=el.parentNode){\
for(var c=el.firstElementChild;c;c=c.nextElementSibling){if(c.tagName==='title'){\
box.textContent=c.textContent;return;}}}});})();";
