//! Interned names: each distinct name is stored once for the whole process, and a
//! [`Name`] is an 8-byte `Copy` handle to it.
//!
//! A large policy writes the same few thousand names millions of times (refpolicy's
//! policy.conf has 1.6 M names in sets alone); holding each occurrence as its own string
//! made the tree and the symbol tables several times larger than the text. The cache is
//! global and thread-safe, so the two halves of a parse ([`crate::syntax::parse`]) and
//! the language server's requests share it without passing it around.
//!
//! **Invariant:** two handles are equal exactly when their texts are equal (each text is
//! interned once), so equality and hashing use the handle; ordering compares the texts,
//! never the handles, so nothing that sorts names depends on where they were stored.
//!
//! The cache only grows: a name, once seen, stays for the life of the process. That is
//! bounded by the distinct names a process reads, which for a compiler run is a small
//! share of its input.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::ops::Deref;
use std::sync::{Mutex, OnceLock};

/// An interned name: a thin pointer to its one stored text.
#[derive(Clone, Copy)]
pub struct Name(&'static Stored);

/// The one stored copy of a name's text, held where a [`Name`] points so that a name is
/// one thin pointer (8 bytes) rather than a pointer and a length.
#[derive(Default)]
struct Stored {
    text: &'static str,
}

/// Independent parts of the cache, chosen by a name's hash, so that the two parser
/// threads seldom wait for one another.
const SHARDS: usize = 16;

type Shard = Mutex<Interned>;

/// One shard: its names (a set keyed by text, since a [`Name`] hashes its text) and room
/// for more. Names and texts are stored side by side in blocks rather than allocated
/// one by one: 60,000 types' names took twice their size in allocator overhead.
#[derive(Default)]
struct Interned {
    names: HashSet<Name, BuildHasherDefault<NameHasher>>,
    /// Unused [`Stored`] slots, taken from the front.
    slots: &'static mut [Stored],
    /// Unused bytes for texts, taken from the front.
    bytes: &'static mut [u8],
}

/// How many [`Stored`] slots, and how many text bytes, a block holds.
const SLOTS: usize = 256;
const BYTES: usize = 4096;

impl Interned {
    /// Stores `text` for the rest of the process.
    fn store(&mut self, text: &str) -> &'static Stored {
        let text: &'static str = if text.len() > BYTES / 8 {
            Box::leak(text.into())
        } else {
            if self.bytes.len() < text.len() {
                self.bytes = Box::leak(vec![0u8; BYTES].into_boxed_slice());
            }
            let (head, rest) = std::mem::take(&mut self.bytes).split_at_mut(text.len());
            self.bytes = rest;
            head.copy_from_slice(text.as_bytes());
            let head: &'static [u8] = head;
            // A copy of a `str`'s bytes is UTF-8.
            std::str::from_utf8(head).unwrap_or_default()
        };
        if self.slots.is_empty() {
            let block: Box<[Stored]> = std::iter::repeat_with(Stored::default)
                .take(SLOTS)
                .collect();
            self.slots = Box::leak(block);
        }
        let slots = std::mem::take(&mut self.slots);
        let (slot, rest) = slots.split_at_mut(1);
        self.slots = rest;
        slot[0] = Stored { text };
        let slot: &'static [Stored] = slot;
        &slot[0]
    }
}

fn shards() -> &'static [Shard; SHARDS] {
    static CACHE: OnceLock<[Shard; SHARDS]> = OnceLock::new();
    CACHE.get_or_init(|| std::array::from_fn(|_| Mutex::default()))
}

/// The hasher of the cache's maps and of shard choice: FNV-1a over the bytes written,
/// quick for keys as short as names.
struct NameHasher(u64);

impl Default for NameHasher {
    fn default() -> NameHasher {
        NameHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The shard that holds `text`.
fn shard(text: &str) -> &'static Shard {
    let mut h = NameHasher::default();
    h.write(text.as_bytes());
    // Mixed again so that the shard does not take the bits the map itself uses.
    let mixed = h.finish().wrapping_mul(0x9e37_79b9_7f4a_7c15);
    &shards()[(mixed >> 60) as usize % SHARDS]
}

impl Name {
    /// The handle of `text`, storing the text the first time it is seen.
    pub fn new(text: &str) -> Name {
        // A poisoned lock means another thread panicked while inserting; the map is still
        // a valid map (an insert is the only change), so carry on with it.
        let mut shard = shard(text).lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&name) = shard.names.get(text) {
            return name;
        }
        let name = Name(shard.store(text));
        shard.names.insert(name);
        name
    }

    /// The handle of `text` if it was ever interned, without storing it: a name never
    /// seen cannot be a key of any table keyed by [`Name`].
    pub fn existing(text: &str) -> Option<Name> {
        let shard = shard(text).lock().unwrap_or_else(|e| e.into_inner());
        shard.names.get(text).copied()
    }

    /// The text.
    pub fn as_str(&self) -> &'static str {
        self.0.text
    }
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Name {}

/// Hashes the text, as `str` does, so a map keyed by [`Name`] can be searched with a
/// `&str` (`Borrow<str>`).
impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Name) -> std::cmp::Ordering {
        if self == other {
            return std::cmp::Ordering::Equal;
        }
        self.as_str().cmp(other.as_str())
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

/// Prints the text as a string literal, as a `String` would, so trees print the same
/// whatever their names are stored as.
impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Name {
    fn from(text: &str) -> Name {
        Name::new(text)
    }
}

impl From<Name> for String {
    fn from(name: Name) -> String {
        name.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_share_one_handle() {
        let a = Name::new("user_t");
        let b = Name::new(&String::from("user_t"));
        assert_eq!(a, b);
        assert!(std::ptr::eq(a.as_str(), b.as_str()));
        assert_ne!(a, Name::new("user_r"));
        assert_eq!(Name::existing("user_t"), Some(a));
        assert_eq!(Name::existing("never_interned_name_t"), None);
    }

    #[test]
    fn order_is_the_texts_order() {
        let mut names = [Name::new("b"), Name::new("c"), Name::new("a")];
        names.sort();
        let texts: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
        assert_eq!(texts, ["a", "b", "c"]);
    }

    #[test]
    fn a_map_keyed_by_names_is_searched_by_text() {
        let mut map = std::collections::HashMap::new();
        map.insert(Name::new("etc_t"), 1);
        assert_eq!(map.get("etc_t"), Some(&1));
        assert_eq!(format!("{:?}", Name::new("etc_t")), "\"etc_t\"");
        assert_eq!(std::mem::size_of::<Name>(), std::mem::size_of::<usize>());
    }
}
