//! `simloop pstree`: the await tree of a scenario's run at a tick.
//!
//! Exit codes: 0 printed; 1 the run hit a limit before the tick; 2 bad
//! input (unreadable or invalid scenario, an await cycle).

use simloop::render::pstree;
use simloop::scenario::run_until;

use crate::cli::PstreeArgs;
use crate::cmd::render::{load, run_error_code, title};
use crate::output::{errln, out, outln};

pub(crate) fn main(args: PstreeArgs) -> u8 {
    let scenario = match load(&args.file, &args.input.limits()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let config = match args.config.config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let paused = match run_until(&scenario, config.clone(), args.at) {
        Ok(p) => p,
        Err(e) => {
            errln!("error: {}: {e}", args.file.display());
            return run_error_code(&e);
        }
    };
    outln!(
        "== {} at tick {} ({}): who awaits whom",
        title(&scenario, &args.file),
        args.at,
        config.profile
    );
    out!("{}", pstree(paused.sim()));
    0
}
