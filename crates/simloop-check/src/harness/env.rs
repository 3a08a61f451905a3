//! The `SIMLOOP_*` environment variables that steer a
//! [`Check`](super::Check) (the table is in the harness's docs).

use simloop_core::{Profile, Schedule};

/// What the environment asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Env {
    pub(crate) seed: Option<u64>,
    pub(crate) schedule: Option<Schedule>,
    pub(crate) profile: Option<Profile>,
    pub(crate) seeds: Option<u64>,
}

impl Env {
    /// Read the variables with `get` (the process environment, or a
    /// reproduce line's assignments).
    pub(crate) fn read(get: &dyn Fn(&str) -> Option<String>) -> Result<Env, String> {
        fn parse<T>(
            get: &dyn Fn(&str) -> Option<String>,
            key: &str,
            what: &str,
            f: impl Fn(&str) -> Result<T, String>,
        ) -> Result<Option<T>, String> {
            match get(key) {
                None => Ok(None),
                Some(v) if v.trim().is_empty() && key != "SIMLOOP_SCHEDULE" => Ok(None),
                Some(v) => f(v.trim())
                    .map(Some)
                    .map_err(|e| format!("{key}={v:?}: expected {what} ({e})")),
            }
        }
        let number = |s: &str| s.parse::<u64>().map_err(|e| e.to_string());
        Ok(Env {
            seed: parse(get, "SIMLOOP_SEED", "a seed, a number", number)?,
            schedule: parse(
                get,
                "SIMLOOP_SCHEDULE",
                "a schedule such as 3:1,17:2 or none",
                |s| s.parse::<Schedule>(),
            )?,
            profile: parse(get, "SIMLOOP_PROFILE", "a profile such as py313", |s| {
                s.parse::<Profile>()
            })?,
            seeds: parse(get, "SIMLOOP_SEEDS", "a number of seeds", number)?,
        })
    }

    /// The process environment's.
    pub(crate) fn process() -> Result<Env, String> {
        Env::read(&|k| std::env::var(k).ok())
    }
}

/// The `KEY=VALUE` assignments of a reproduce line
/// (`note: run with SIMLOOP_PROFILE=py313 SIMLOOP_SEED=17 cargo test NAME`),
/// in order.
pub fn assignments(line: &str) -> Vec<(String, String)> {
    line.split_whitespace()
        .filter_map(|w| w.split_once('='))
        .filter(|(k, _)| k.starts_with("SIMLOOP_"))
        .map(|(k, v)| (k.to_owned(), v.trim_end_matches('`').to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Result<Env, String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Env::read(&|k| pairs.iter().find(|(p, _)| p == k).map(|(_, v)| v.clone()))
    }

    #[test]
    fn reads_each_variable_and_names_a_bad_one() {
        let e = env(&[
            ("SIMLOOP_SEED", "17"),
            ("SIMLOOP_PROFILE", "py311"),
            ("SIMLOOP_SEEDS", "5000"),
            ("SIMLOOP_SCHEDULE", "3:1,17:2"),
        ])
        .unwrap();
        assert_eq!(e.seed, Some(17));
        assert_eq!(e.profile, Some(Profile::Py311));
        assert_eq!(e.seeds, Some(5000));
        assert_eq!(e.schedule.unwrap().to_string(), "3:1,17:2");
        assert_eq!(env(&[]).unwrap(), Env::default());
        let bad = env(&[("SIMLOOP_SEED", "x")]).unwrap_err();
        assert!(
            bad.starts_with("SIMLOOP_SEED=\"x\": expected a seed, a number"),
            "{bad}"
        );
        let bad = env(&[("SIMLOOP_PROFILE", "py39")]).unwrap_err();
        assert!(
            bad.starts_with("SIMLOOP_PROFILE=\"py39\": expected a profile"),
            "{bad}"
        );
    }

    #[test]
    fn a_reproduce_line_gives_its_assignments() {
        let line = "note: run with SIMLOOP_PROFILE=py313 SIMLOOP_SEED=17 cargo test fetch_all to reproduce";
        assert_eq!(
            assignments(line),
            [
                ("SIMLOOP_PROFILE".to_owned(), "py313".to_owned()),
                ("SIMLOOP_SEED".to_owned(), "17".to_owned())
            ]
        );
    }
}
