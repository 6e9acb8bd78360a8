fn main() {
    std::process::exit(flaskc::cli::run(std::env::args_os().collect()));
}
