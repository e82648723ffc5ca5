//! The PostgreSQL schemas a test or bench process makes for itself, named
//! `<prefix>_<pid>_...`, and their cleanup once that process has ended. Shared
//! by the core's tests (`ikt`) and the PostgreSQL bench (`ikb`, which includes
//! this file by path).

/// Drops the schemas named `<prefix>_<pid>_...` of processes of this machine
/// that are no longer running (on Linux, where `/proc` tells; elsewhere
/// nothing is dropped).
pub fn drop_dead_schemas(client: &mut postgres::Client, prefix: &str) {
    if !std::path::Path::new("/proc/self").exists() {
        return;
    }
    let pattern = format!("{prefix}\\_%");
    let Ok(rows) = client.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE $1", &[&pattern]) else {
        return;
    };
    for row in rows {
        let name: String = row.get(0);
        let Some(pid) = name.split('_').nth(1).and_then(|p| p.parse::<u32>().ok()) else { continue };
        if pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"));
        }
    }
}
