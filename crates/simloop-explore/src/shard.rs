//! [`Shard`]: one of `M` interleaved parts of a sweep, given as `K/M` or
//! read from a batch scheduler's environment ([`Shard::from_env`]).
//!
//! | scheduler | index | count |
//! |---|---|---|
//! | Kubernetes indexed Job | `JOB_COMPLETION_INDEX` (from 0) | `SIMLOOP_SHARD_COUNT` (set it to the Job's `completions`: Kubernetes does not export it) |
//! | Slurm job array | `SLURM_ARRAY_TASK_ID`, less `SLURM_ARRAY_TASK_MIN`, over `SLURM_ARRAY_TASK_STEP` | `SLURM_ARRAY_TASK_COUNT` |
//! | GitLab CI `parallel:` | `CI_NODE_INDEX` (from 1) | `CI_NODE_TOTAL` |
//! | Buildkite `parallelism:` | `BUILDKITE_PARALLEL_JOB` (from 0) | `BUILDKITE_PARALLEL_JOB_COUNT` |
//!
//! The first scheduler found, in this order, gives the shard.
//!
//! ```
//! use simloop_explore::shard::Shard;
//!
//! let env = |var: &str| match var {
//!     "CI_NODE_INDEX" => Some("3".to_owned()),
//!     "CI_NODE_TOTAL" => Some("4".to_owned()),
//!     _ => None,
//! };
//! let (shard, from) = Shard::from_env(env).unwrap();
//! assert_eq!(shard.to_string(), "2/4"); // GitLab counts from 1
//! assert_eq!(from, "GitLab CI (CI_NODE_INDEX=3, CI_NODE_TOTAL=4)");
//! ```

use std::fmt;
use std::str::FromStr;

/// `K/M`: the `K`-th of `M` interleaved parts of a sweep. Part `K` runs
/// the items `i` (seeds `start + i`, or the `i`-th scenario file) with
/// `i % M == K`, so the parts are disjoint and cover the sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    index: u64,
    count: u64,
}

impl Shard {
    /// The whole sweep: `0/1`.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Part `index` of `count`; `None` unless `index < count`.
    pub fn new(index: u64, count: u64) -> Option<Shard> {
        (index < count).then_some(Shard { index, count })
    }

    /// `K`.
    pub fn index(self) -> u64 {
        self.index
    }

    /// `M`.
    pub fn count(self) -> u64 {
        self.count
    }

    /// Does this part run the `i`-th item of the sweep?
    pub fn contains(self, i: u64) -> bool {
        i % self.count == self.index
    }

    /// The shard a batch scheduler gave this process, read through `var`
    /// (`|v| std::env::var(v).ok()`), and where it came from (the
    /// scheduler and its variables, to print). An error says what was
    /// found and what is missing or wrong; see the module's table.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<(Shard, String), String> {
        let num = |name: &str| -> Result<Option<(u64, String)>, String> {
            match var(name) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .map(|n| Some((n, format!("{name}={v}"))))
                    .map_err(|_| format!("{name}={v:?} is not a non-negative integer")),
            }
        };
        let make = |who: &str, index: u64, count: u64, vars: &[&str]| {
            let vars = vars.join(", ");
            Shard::new(index, count)
                .map(|s| (s, format!("{who} ({vars})")))
                .ok_or_else(|| format!("{who} ({vars}): shard {index} of {count} does not exist"))
        };
        if let Some((index, iv)) = num("JOB_COMPLETION_INDEX")? {
            let Some((count, cv)) = num("SIMLOOP_SHARD_COUNT")? else {
                return Err(format!(
                    "Kubernetes indexed Job ({iv}): Kubernetes does not say how many indexes \
                     the Job has; set SIMLOOP_SHARD_COUNT to its `completions`"
                ));
            };
            return make("Kubernetes indexed Job", index, count, &[&iv, &cv]);
        }
        if let Some((id, iv)) = num("SLURM_ARRAY_TASK_ID")? {
            let who = "Slurm job array";
            let (count, cv) = num("SLURM_ARRAY_TASK_COUNT")?
                .ok_or_else(|| format!("{who} ({iv}): SLURM_ARRAY_TASK_COUNT is not set"))?;
            let (min, mv) =
                num("SLURM_ARRAY_TASK_MIN")?.unwrap_or((0, "SLURM_ARRAY_TASK_MIN unset".into()));
            let (step, sv) =
                num("SLURM_ARRAY_TASK_STEP")?.unwrap_or((1, "SLURM_ARRAY_TASK_STEP unset".into()));
            let vars = [iv.as_str(), &cv, &mv, &sv];
            if id < min || step == 0 || (id - min) % step != 0 {
                return Err(format!(
                    "{who} ({}): the task ids are not a range with a step; use --array=0-{}",
                    vars.join(", "),
                    count.saturating_sub(1)
                ));
            }
            return make(who, (id - min) / step, count, &vars);
        }
        if let Some((index, iv)) = num("CI_NODE_INDEX")? {
            let who = "GitLab CI";
            let (count, cv) = num("CI_NODE_TOTAL")?
                .ok_or_else(|| format!("{who} ({iv}): CI_NODE_TOTAL is not set"))?;
            let index = index
                .checked_sub(1)
                .ok_or_else(|| format!("{who} ({iv}): CI_NODE_INDEX counts from 1"))?;
            return make(who, index, count, &[&iv, &cv]);
        }
        if let Some((index, iv)) = num("BUILDKITE_PARALLEL_JOB")? {
            let who = "Buildkite";
            let (count, cv) = num("BUILDKITE_PARALLEL_JOB_COUNT")?
                .ok_or_else(|| format!("{who} ({iv}): BUILDKITE_PARALLEL_JOB_COUNT is not set"))?;
            return make(who, index, count, &[&iv, &cv]);
        }
        Err(
            "no batch scheduler's shard in the environment: looked for JOB_COMPLETION_INDEX \
             (Kubernetes), SLURM_ARRAY_TASK_ID (Slurm), CI_NODE_INDEX (GitLab CI) and \
             BUILDKITE_PARALLEL_JOB (Buildkite)"
                .to_owned(),
        )
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("expected K/M with 0 <= K < M, got {s:?}");
        let (k, m) = s.split_once('/').ok_or_else(bad)?;
        let k = k.trim().parse().map_err(|_| bad())?;
        let m = m.trim().parse().map_err(|_| bad())?;
        Shard::new(k, m).ok_or_else(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn shard(vars: &[(&str, &str)]) -> Result<String, String> {
        Shard::from_env(env(vars)).map(|(s, _)| s.to_string())
    }

    #[test]
    fn each_scheduler_names_its_shard() {
        let k8s = [("JOB_COMPLETION_INDEX", "2"), ("SIMLOOP_SHARD_COUNT", "4")];
        assert_eq!(shard(&k8s).unwrap(), "2/4");
        let slurm = [
            ("SLURM_ARRAY_TASK_ID", "7"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
        ];
        assert_eq!(shard(&slurm).unwrap(), "3/4"); // ids 1, 3, 5, 7
        let slurm0 = [
            ("SLURM_ARRAY_TASK_ID", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "2"),
        ];
        assert_eq!(shard(&slurm0).unwrap(), "0/2");
        let gitlab = [("CI_NODE_INDEX", "1"), ("CI_NODE_TOTAL", "3")];
        assert_eq!(shard(&gitlab).unwrap(), "0/3");
        let buildkite = [
            ("BUILDKITE_PARALLEL_JOB", "4"),
            ("BUILDKITE_PARALLEL_JOB_COUNT", "5"),
        ];
        assert_eq!(shard(&buildkite).unwrap(), "4/5");
        let (_, from) = Shard::from_env(env(&buildkite)).unwrap();
        assert_eq!(
            from,
            "Buildkite (BUILDKITE_PARALLEL_JOB=4, BUILDKITE_PARALLEL_JOB_COUNT=5)"
        );
    }

    #[test]
    fn a_missing_or_wrong_variable_is_named() {
        let e = shard(&[("JOB_COMPLETION_INDEX", "2")]).unwrap_err();
        assert!(e.contains("set SIMLOOP_SHARD_COUNT"), "{e}");
        let e = shard(&[("CI_NODE_INDEX", "0"), ("CI_NODE_TOTAL", "3")]).unwrap_err();
        assert!(e.contains("counts from 1"), "{e}");
        let e = shard(&[("CI_NODE_INDEX", "x")]).unwrap_err();
        assert_eq!(e, r#"CI_NODE_INDEX="x" is not a non-negative integer"#);
        let e = shard(&[
            ("BUILDKITE_PARALLEL_JOB", "5"),
            ("BUILDKITE_PARALLEL_JOB_COUNT", "5"),
        ])
        .unwrap_err();
        assert!(e.ends_with("shard 5 of 5 does not exist"), "{e}");
        let e = shard(&[
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
        ])
        .unwrap_err();
        assert!(e.contains("use --array=0-3"), "{e}");
        let e = shard(&[]).unwrap_err();
        assert!(e.starts_with("no batch scheduler's shard"), "{e}");
    }
}
