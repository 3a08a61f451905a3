//! `simloop render`: run a scenario and draw its timeline.
//!
//! Exit codes: 0 the picture was written; 1 the run hit a limit; 2 bad
//! input (unreadable or invalid scenario, an await cycle, an output name
//! that is neither `.svg` nor `.html`, an output that cannot be written:
//! checked before the run). The picture is written whole or not at all
//! (see `files`).

use std::path::Path;

use simloop::core::RunError;
use simloop::render::{render_html, render_svg};
use simloop::scenario::{run, Limits, Run, Scenario};

use crate::cli::RenderArgs;
use crate::files::OutputFile;
use crate::input;
use crate::output::{errln, outln, shown};

/// The picture formats, by the output's extension.
#[derive(Clone, Copy)]
pub(crate) enum Format {
    Svg,
    Html,
}

impl Format {
    /// The format an output name asks for (`x.SVG` as `x.svg`); the error
    /// is printed.
    pub(crate) fn of(out: &Path) -> Result<Format, u8> {
        let ext = out.extension().and_then(|e| e.to_str());
        match ext.map(str::to_ascii_lowercase).as_deref() {
            Some("svg") => Ok(Format::Svg),
            Some("html" | "htm") => Ok(Format::Html),
            _ => {
                errln!(
                    "error: {}: a picture's name must end in .svg or .html",
                    out.display()
                );
                Err(2)
            }
        }
    }
}

/// Draw `run` in `format` and write it to `out`; the error is printed.
pub(crate) fn write_picture(run: &Run, title: &str, format: Format, out: &Path) -> Result<(), u8> {
    let file = output_file(out)?;
    write_picture_to(run, title, format, file)
}

/// [`write_picture`] to a file checked before the run.
pub(crate) fn write_picture_to(
    run: &Run,
    title: &str,
    format: Format,
    file: OutputFile,
) -> Result<(), u8> {
    let picture = match format {
        Format::Svg => render_svg(&run.report, title, &run.words()),
        Format::Html => render_html(&run.report, title, &run.words()),
    };
    let path = file.path().to_path_buf();
    file.write(|o| o.write_all(picture.as_bytes()))
        .map_err(|e| {
            errln!("error: cannot write {}: {e}", path.display());
            2
        })
}

/// `path`, checked before the work that writes it; the error is printed.
pub(crate) fn output_file(path: &Path) -> Result<OutputFile, u8> {
    OutputFile::create(path).map_err(|e| {
        errln!("error: cannot write {}: {e}", path.display());
        2
    })
}

pub(crate) fn main(args: RenderArgs) -> u8 {
    let format = match Format::of(&args.out) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let file = match output_file(&args.out) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let scenario = match load(&args.file, &args.input.limits()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let config = match args.config.config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let r = match run(&scenario, config.clone()) {
        Ok(r) => r,
        Err(e) => {
            errln!("error: {}: {e}", args.file.display());
            return run_error_code(&e);
        }
    };
    let title = title(&scenario, &args.file);
    if let Err(code) = write_picture_to(&r, &title, format, file) {
        return code;
    }
    outln!(
        "wrote {} ({title} under {}, {} tasks)",
        args.out.display(),
        config.profile,
        r.outcome.tasks.len()
    );
    0
}

/// Read and parse a scenario file within `limits`; the error is printed,
/// its exit code returned.
pub(crate) fn load(file: &Path, limits: &Limits) -> Result<Scenario, u8> {
    input::load(file, limits).map_err(|e| {
        errln!("error: {e}");
        2
    })
}

/// The scenario's name, else the file's stem, as shown (control
/// characters escaped).
pub(crate) fn title(scenario: &Scenario, file: &Path) -> String {
    let title = scenario.name.clone().unwrap_or_else(|| {
        file.file_stem().map_or_else(
            || "scenario".to_owned(),
            |s| s.to_string_lossy().into_owned(),
        )
    });
    shown(&title).into_owned()
}

/// A run limit is 1; a program CPython cannot run (an await cycle, a
/// feature the profile lacks) is bad input: 2. For every command.
pub(crate) fn run_error_code(e: &RunError) -> u8 {
    if e.is_invalid_program() {
        2
    } else {
        1
    }
}
