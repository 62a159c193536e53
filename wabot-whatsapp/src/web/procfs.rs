//! Memory of a Chromium process tree, read from Linux's `/proc` (for monitoring and the
//! benchmark; WhatsApp Web is known to grow over days, so operators watch this).

use std::{collections::HashMap, fs, io};

/// Memory of a process and all its descendants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TreeMemory {
    /// How many processes the tree has.
    pub processes: usize,
    /// Sum of their resident set sizes, in bytes (counts shared pages once per process, so it
    /// overstates what the tree really costs).
    pub rss_bytes: u64,
    /// Sum of their proportional set sizes, in bytes (shared pages split between the
    /// processes sharing them); `0` when the kernel does not report it.
    pub pss_bytes: u64,
    /// Sum of their unique set sizes (private clean + private dirty pages), in bytes: what
    /// ending the tree would give back; `0` when the kernel does not report it.
    pub uss_bytes: u64,
}

/// The ids of `root` and all its descendants that are alive now.
pub fn process_tree(root: u32) -> io::Result<Vec<u32>> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for entry in fs::read_dir("/proc")? {
        let Ok(entry) = entry else { continue };
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if let Some(ppid) = parent_of(pid) {
            children.entry(ppid).or_default().push(pid);
        }
    }
    if fs::metadata(format!("/proc/{root}")).is_err() {
        return Ok(Vec::new());
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        if let Some(kids) = children.get(&tree[i]) {
            tree.extend(kids);
        }
        i += 1;
    }
    Ok(tree)
}

/// The parent of `pid` (field 4 of `/proc/<pid>/stat`, after the parenthesised name).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// A `kB` field of a `/proc` status-like file, in bytes.
fn kb_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kb: u64 = line[name.len()..].split_whitespace().next()?.parse().ok()?;
    Some(kb * 1024)
}

/// Memory of `root` and its descendants right now.
pub fn tree_memory(root: u32) -> io::Result<TreeMemory> {
    let mut total = TreeMemory::default();
    for pid in process_tree(root)? {
        let Ok(status) = fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue;
        };
        total.processes += 1;
        total.rss_bytes += kb_field(&status, "VmRSS:").unwrap_or(0);
        if let Ok(rollup) = fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) {
            total.pss_bytes += kb_field(&rollup, "Pss:").unwrap_or(0);
            total.uss_bytes += kb_field(&rollup, "Private_Clean:").unwrap_or(0)
                + kb_field(&rollup, "Private_Dirty:").unwrap_or(0);
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_a_tree_with_memory() {
        let me = std::process::id();
        let tree = process_tree(me).unwrap();
        assert_eq!(tree[0], me);
        let memory = tree_memory(me).unwrap();
        assert!(memory.processes >= 1);
        assert!(memory.rss_bytes > 0);
    }

    #[test]
    fn a_dead_process_has_no_tree() {
        assert!(process_tree(u32::MAX - 1).unwrap().is_empty());
    }

    #[test]
    fn kb_fields_are_read_in_bytes() {
        assert_eq!(kb_field("VmRSS:\t  1234 kB\n", "VmRSS:"), Some(1234 * 1024));
        assert_eq!(kb_field("Pss: 10 kB", "VmRSS:"), None);
    }
}
