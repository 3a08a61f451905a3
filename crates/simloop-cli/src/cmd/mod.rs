//! One module per subcommand.

pub(crate) mod check;
pub(crate) mod explore;
pub(crate) mod merge;
pub(crate) mod pstree;
pub(crate) mod render;
pub(crate) mod replay;
pub(crate) mod run;
pub(crate) mod selftest;
