//! `audit --config FILE`: options from a TOML file, each key a flag of `audit` (`rate = 2`
//! is `--rate 2`). The file's options go before the command line's, and the command is
//! parsed with later flags overriding earlier ones, so a flag always wins over the file,
//! and the file over the defaults. Without `--config`, `$PORTFOLIO_AUDIT_CONFIG` names
//! the file; with neither, there is none (a cron line does exactly what it says).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The environment variable naming the config file when `--config` is not given.
pub const CONFIG_ENV: &str = "PORTFOLIO_AUDIT_CONFIG";

/// Keys whose relative paths are taken from the config file's directory.
const PATH_KEYS: [&str; 6] = ["input", "output", "state", "summary", "rules", "selectors"];

/// `args` with the config file's options inserted after the subcommand, when the
/// subcommand is `audit` and a config file is named. `flags` are the long flags `audit`
/// takes.
pub fn with_config(args: Vec<OsString>, flags: &[String]) -> anyhow::Result<Vec<OsString>> {
    if args.get(1).and_then(|a| a.to_str()) != Some("audit") {
        return Ok(args);
    }
    let Some(path) = config_path(&args) else {
        return Ok(args);
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading the config file {}", path.display()))?;
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("config file {}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut options = Vec::new();
    for (key, value) in &table {
        let flag = key.replace('_', "-");
        if flag == "config" || !flags.contains(&flag) {
            bail!(
                "config file {}: unknown option `{key}` (the keys are the long flags of `portfolio-audit audit --help`)",
                path.display()
            );
        }
        let values = match value {
            toml::Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        };
        for value in values {
            let text = match value {
                toml::Value::String(s) if PATH_KEYS.contains(&flag.as_str()) && s != "-" => {
                    base.join(s).into_os_string()
                }
                toml::Value::String(s) => s.into(),
                toml::Value::Integer(n) => n.to_string().into(),
                toml::Value::Float(x) => x.to_string().into(),
                toml::Value::Boolean(true) => {
                    options.push(format!("--{flag}").into());
                    continue;
                }
                toml::Value::Boolean(false) => continue,
                other => bail!(
                    "config file {}: `{key}` = {other}: expected a string, number, boolean or a list of them",
                    path.display()
                ),
            };
            options.push(format!("--{flag}").into());
            options.push(text);
        }
    }
    let mut expanded = args;
    let tail = expanded.split_off(2);
    expanded.extend(options);
    expanded.extend(tail);
    Ok(expanded)
}

/// `--config FILE`, `--config=FILE`, or the environment's.
fn config_path(args: &[OsString]) -> Option<PathBuf> {
    let mut iter = args.iter().skip(2);
    while let Some(arg) = iter.next() {
        let Some(text) = arg.to_str() else { continue };
        if text == "--" {
            break;
        }
        if text == "--config" {
            return iter.next().map(PathBuf::from);
        }
        if let Some(path) = text.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os(CONFIG_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_file_goes_before_the_command_line_and_paths_are_taken_from_its_directory() {
        let dir = std::env::temp_dir().join(format!("pa-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("audit.toml");
        std::fs::write(
            &file,
            "input = \"profiles.jsonl\"\nrate = 2\nignore_robots = false\nallow-private = true\nresolve = [\"a.test:80:127.0.0.1\"]\n",
        )
        .unwrap();
        let flags: Vec<String> = ["input", "rate", "ignore-robots", "allow-private", "resolve"]
            .map(str::to_owned)
            .to_vec();
        let given = args(&[
            "pa",
            "audit",
            "--config",
            file.to_str().unwrap(),
            "--rate",
            "5",
        ]);
        let expanded = with_config(given, &flags).unwrap();
        let text: Vec<String> = expanded
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let input = dir.join("profiles.jsonl").display().to_string();
        assert_eq!(
            text[2..],
            [
                "--allow-private",
                "--input",
                &input,
                "--rate",
                "2",
                "--resolve",
                "a.test:80:127.0.0.1",
                "--config",
                file.to_str().unwrap(),
                "--rate",
                "5"
            ]
        );
        std::fs::write(&file, "rat = 2\n").unwrap();
        let err = with_config(
            args(&["pa", "audit", "--config", file.to_str().unwrap()]),
            &flags,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("audit.toml") && err.contains("`rat`"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
