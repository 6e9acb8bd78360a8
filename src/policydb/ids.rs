//! Typed symbol values: the 1-based numbers a policy gives its types, roles, classes,
//! users, booleans, sensitivities and categories, one newtype a kind so that a type's value
//! cannot be passed where a class's is meant.
//!
//! Tables store element `i` at value `i + 1` ([`index`](TypeId::index) and
//! [`from_index`](TypeId::from_index) convert); narrowing a value to a field narrower than
//! 32 bits on disk (the 16-bit avtab key) goes through [`to_u16`] only, which refuses
//! what does not fit instead of truncating.

use std::fmt;
use std::num::NonZeroU32;

/// A value too large for the on-disk field it must be written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WidthError {
    /// What the value is of (`type`, `class` ...).
    pub what: &'static str,
    /// The value.
    pub value: u32,
    /// The largest value the field holds.
    pub max: u32,
}

impl fmt::Display for WidthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} value {} does not fit the binary format (at most {})",
            self.what, self.value, self.max
        )
    }
}

impl std::error::Error for WidthError {}

/// The one narrowing of a symbol value to a 16-bit on-disk field.
///
/// # Errors
/// [`WidthError`] when `value` is above `u16::MAX`.
pub fn to_u16(what: &'static str, value: u32) -> Result<u16, WidthError> {
    u16::try_from(value).map_err(|_| WidthError {
        what,
        value,
        max: u16::MAX.into(),
    })
}

/// What every symbol id offers, for code generic over the kind (the binary reader turns
/// a checked `u32` into whichever id the field holds).
pub trait SymbolId: Copy {
    /// The id of a 1-based value; `None` for 0.
    fn from_value(value: u32) -> Option<Self>;
    /// The 1-based value.
    fn value(self) -> u32;
}

macro_rules! symbol_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(NonZeroU32);

        impl $name {
            /// What messages call a value of this kind.
            pub const WHAT: &'static str = $what;

            /// The id of a 1-based value; `None` for 0, which names nothing.
            pub fn from_value(value: u32) -> Option<$name> {
                NonZeroU32::new(value).map($name)
            }

            /// The id of the table element at `index` (value `index + 1`); `None` past
            /// the 32-bit values.
            pub fn from_index(index: usize) -> Option<$name> {
                u32::try_from(index)
                    .ok()
                    .and_then(|i| i.checked_add(1))
                    .and_then($name::from_value)
            }

            /// The 1-based value, as the 32-bit fields of the format hold it.
            pub fn value(self) -> u32 {
                self.0.get()
            }

            /// The value of an optional id as the format writes it: 0 for none.
            pub fn value_or_zero(id: Option<$name>) -> u32 {
                id.map_or(0, $name::value)
            }

            /// The index of its element in a value-ordered table (value - 1), which is
            /// also its bit in a bitmap over the table.
            pub fn index(self) -> usize {
                self.0.get() as usize - 1
            }

            /// The value narrowed to a 16-bit on-disk field (see [`to_u16`]).
            ///
            /// # Errors
            /// [`WidthError`] when the value is above `u16::MAX`.
            pub fn to_u16(self) -> Result<u16, WidthError> {
                to_u16(Self::WHAT, self.value())
            }
        }

        impl SymbolId for $name {
            fn from_value(value: u32) -> Option<$name> {
                $name::from_value(value)
            }
            fn value(self) -> u32 {
                $name::value(self)
            }
        }
    };
}

symbol_id!(
    /// A type or type attribute value.
    TypeId,
    "type"
);
symbol_id!(
    /// A role or role attribute value.
    RoleId,
    "role"
);
symbol_id!(
    /// An object class value.
    ClassId,
    "class"
);
symbol_id!(
    /// A user value.
    UserId,
    "user"
);
symbol_id!(
    /// A conditional boolean value.
    BoolId,
    "boolean"
);
symbol_id!(
    /// A sensitivity value.
    SensId,
    "sensitivity"
);
symbol_id!(
    /// A category value.
    CatId,
    "category"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_indices_are_one_apart() {
        let t = TypeId::from_index(0).unwrap();
        assert_eq!((t.value(), t.index()), (1, 0));
        assert_eq!(TypeId::from_value(0), None);
        assert_eq!(ClassId::from_value(7).map(ClassId::index), Some(6));
    }

    #[test]
    fn narrowing_refuses_what_does_not_fit() {
        assert_eq!(TypeId::from_value(65_535).unwrap().to_u16(), Ok(65_535));
        let err = TypeId::from_value(70_000).unwrap().to_u16().unwrap_err();
        assert_eq!(
            err.to_string(),
            "type value 70000 does not fit the binary format (at most 65535)"
        );
    }
}
