//! `taiwa-hello`: Tauri's hello world, built and measured beside Taiwa (docs/BENCHMARKS.md).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    let app = tauri::Builder::default().build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("taiwa-hello: could not start: {e}");
            }
            std::process::exit(1);
        }
    }
}
