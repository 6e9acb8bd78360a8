//! Work split over two threads where the halves are independent and the result is the
//! same as one thread's: the callers join the halves in order, so output stays
//! deterministic. Used by the parser (two halves of a large file) and by the avtab (the
//! unconditional rules in two halves).

/// Runs `a` on this thread and `b` on a second one; both results, `a`'s first. A panic in
/// `b` is re-raised here. When the work is too small to be `worth_a_thread`, both run here,
/// one after the other (a thread costs its stack and, with glibc, a heap arena of its own).
pub fn join<A, B>(
    worth_a_thread: bool,
    a: impl FnOnce() -> A,
    b: impl FnOnce() -> B + Send,
) -> (A, B)
where
    B: Send,
{
    if !worth_a_thread {
        let first = a();
        return (first, b());
    }
    std::thread::scope(|s| {
        let second = s.spawn(b);
        let first = a();
        let second = second
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (first, second)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_in_order_on_one_thread_or_two() {
        for worth_a_thread in [false, true] {
            let (a, b) = super::join(worth_a_thread, || vec![1], || "b".to_string());
            assert_eq!((a, b.as_str()), (vec![1], "b"));
        }
    }
}
