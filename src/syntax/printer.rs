pub fn print(_p: &super::ast::Policy) -> String {
    String::new()
}
