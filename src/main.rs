//! The `simloop` command line. Argument parsing lives in `cli`; each
//! subcommand in `cmd`.

mod cli;
mod cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let code = match args.command {
        cli::Command::Run(a) => cmd::run::main(a),
    };
    ExitCode::from(code)
}
