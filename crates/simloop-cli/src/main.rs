//! The `simloop` command line. Argument parsing lives in `cli`; each
//! subcommand in `cmd`; all they print goes through `output`.

// `print!` and friends panic when a write fails: see `output`.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod cmd;
mod files;
mod input;
mod output;

/// Runs allocate and free a few small objects per task; mimalloc does that
/// faster than the system allocator (see Cargo.toml).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, which turns a closed pipe into a write error;
    // a filter should just stop.
    sigpipe::reset();
    let args = cli::Cli::parse();
    let code = match args.command {
        cli::Command::Run(a) => cmd::run::main(a),
        cli::Command::Render(a) => cmd::render::main(a),
        cli::Command::Pstree(a) => cmd::pstree::main(a),
        cli::Command::Explore(a) => cmd::explore::main(a),
        cli::Command::Replay(a) => cmd::replay::main(a),
        cli::Command::Check(a) => cmd::check::main(a),
        cli::Command::Merge(a) => cmd::merge::main(a),
        cli::Command::Selftest(a) => cmd::selftest::main(a),
    };
    output::flush_stdout(&mut std::io::stdout());
    ExitCode::from(code)
}
