//! Reads msgpack into items, taking only what go-cty writes: the byte 0xc1, which msgpack
//! reserves, and extensions other than go-cty's unknown values (type 0, and type 12 with
//! refinements) are refused rather than read as something else, and no length prefix is
//! trusted beyond the bytes that are there.

/// One msgpack value, borrowing its strings from the input.
#[derive(Debug, PartialEq)]
pub(super) enum Item<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    /// Only integers above `i64::MAX`.
    UInt(u64),
    F32(f32),
    F64(f64),
    /// Not checked for UTF-8 here, so the error can name the attribute holding it.
    Str(&'a [u8]),
    Bin(&'a [u8]),
    Array(Vec<Item<'a>>),
    Map(Vec<(Item<'a>, Item<'a>)>),
    /// go-cty's unknown value; its refinements are checked and dropped.
    Unknown,
}

/// Bytes that are not msgpack as go-cty writes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("the data ends inside a value")]
    Truncated,
    #[error("byte {offset} is 0xc1, which msgpack reserves and never uses")]
    Reserved { offset: usize },
    #[error(
        "extension type {ty} at byte {offset}: Terraform sends only unknown values, as \
         extension types 0 and 12"
    )]
    Extension { ty: i8, offset: usize },
    #[error("the refinements of the unknown value at byte {offset} {problem}")]
    Refinements {
        offset: usize,
        problem: &'static str,
    },
    #[error("arrays and maps are nested more than {0} deep")]
    TooDeep(usize),
}

/// go-cty's unknown value without refinements.
const UNKNOWN: i8 = 0;
/// go-cty's unknown value with refinements (nullness, string prefix, bounds).
const REFINED_UNKNOWN: i8 = 12;
/// go-cty refuses longer refinements.
const MAX_REFINEMENTS: usize = 1024;

/// Reads one value from the start of `bytes`, with arrays and maps nested at most
/// `max_depth` deep; returns it and how many bytes it took.
pub(super) fn read(bytes: &[u8], max_depth: usize) -> Result<(Item<'_>, usize), ReadError> {
    let mut reader = Reader {
        bytes,
        pos: 0,
        max_depth,
    };
    let item = reader.item(0)?;
    Ok((item, reader.pos))
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    max_depth: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ReadError> {
        let rest = &self.bytes[self.pos..];
        let taken = rest.get(..n).ok_or(ReadError::Truncated)?;
        self.pos += n;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ReadError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// A big-endian length of `width` bytes.
    fn length(&mut self, width: usize) -> Result<usize, ReadError> {
        let bytes = self.take(width)?;
        let len = bytes.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b));
        usize::try_from(len).map_err(|_| ReadError::Truncated)
    }

    fn item(&mut self, depth: usize) -> Result<Item<'a>, ReadError> {
        let offset = self.pos;
        let marker = self.array::<1>()?[0];
        Ok(match marker {
            0x00..=0x7f => Item::Int(i64::from(marker)),
            0x80..=0x8f => self.map(usize::from(marker & 0x0f), depth)?,
            0x90..=0x9f => self.list(usize::from(marker & 0x0f), depth)?,
            0xa0..=0xbf => Item::Str(self.take(usize::from(marker & 0x1f))?),
            0xc0 => Item::Nil,
            0xc1 => return Err(ReadError::Reserved { offset }),
            0xc2 => Item::Bool(false),
            0xc3 => Item::Bool(true),
            0xc4..=0xc6 => {
                let len = self.length(1 << (marker - 0xc4))?;
                Item::Bin(self.take(len)?)
            }
            0xc7..=0xc9 => {
                let len = self.length(1 << (marker - 0xc7))?;
                self.extension(len, offset)?
            }
            0xca => Item::F32(f32::from_be_bytes(self.array()?)),
            0xcb => Item::F64(f64::from_be_bytes(self.array()?)),
            0xcc => Item::Int(i64::from(u8::from_be_bytes(self.array()?))),
            0xcd => Item::Int(i64::from(u16::from_be_bytes(self.array()?))),
            0xce => Item::Int(i64::from(u32::from_be_bytes(self.array()?))),
            0xcf => {
                let n = u64::from_be_bytes(self.array()?);
                i64::try_from(n).map_or(Item::UInt(n), Item::Int)
            }
            0xd0 => Item::Int(i64::from(i8::from_be_bytes(self.array()?))),
            0xd1 => Item::Int(i64::from(i16::from_be_bytes(self.array()?))),
            0xd2 => Item::Int(i64::from(i32::from_be_bytes(self.array()?))),
            0xd3 => Item::Int(i64::from_be_bytes(self.array()?)),
            // fixext 1, 2, 4, 8 and 16.
            0xd4..=0xd8 => self.extension(1 << (marker - 0xd4), offset)?,
            0xd9..=0xdb => {
                let len = self.length(1 << (marker - 0xd9))?;
                Item::Str(self.take(len)?)
            }
            0xdc | 0xdd => {
                let len = self.length(2 << (marker - 0xdc))?;
                self.list(len, depth)?
            }
            0xde | 0xdf => {
                let len = self.length(2 << (marker - 0xde))?;
                self.map(len, depth)?
            }
            0xe0..=0xff => Item::Int(i64::from(i8::from_be_bytes([marker]))),
        })
    }

    /// Each element takes at least one byte, so a length beyond the bytes left is refused
    /// before anything is allocated for it.
    fn check_room(&self, elements: usize, depth: usize) -> Result<(), ReadError> {
        if depth >= self.max_depth {
            return Err(ReadError::TooDeep(self.max_depth));
        }
        if elements > self.bytes.len() - self.pos {
            return Err(ReadError::Truncated);
        }
        Ok(())
    }

    fn list(&mut self, len: usize, depth: usize) -> Result<Item<'a>, ReadError> {
        self.check_room(len, depth)?;
        let mut items = Vec::with_capacity(len);
        for _ in 0..len {
            items.push(self.item(depth + 1)?);
        }
        Ok(Item::Array(items))
    }

    fn map(&mut self, len: usize, depth: usize) -> Result<Item<'a>, ReadError> {
        self.check_room(len.saturating_mul(2), depth)?;
        let mut pairs = Vec::with_capacity(len);
        for _ in 0..len {
            let key = self.item(depth + 1)?;
            pairs.push((key, self.item(depth + 1)?));
        }
        Ok(Item::Map(pairs))
    }

    fn extension(&mut self, len: usize, offset: usize) -> Result<Item<'a>, ReadError> {
        let ty = i8::from_be_bytes(self.array()?);
        let data = self.take(len)?;
        match ty {
            UNKNOWN => Ok(Item::Unknown),
            REFINED_UNKNOWN => check_refinements(data, offset).map(|()| Item::Unknown),
            ty => Err(ReadError::Extension { ty, offset }),
        }
    }
}

/// Refinements are one msgpack map (go-cty ignores keys it does not know, and so do we), of
/// at most [`MAX_REFINEMENTS`] bytes.
fn check_refinements(data: &[u8], offset: usize) -> Result<(), ReadError> {
    let problem = |problem| ReadError::Refinements { offset, problem };
    if data.len() > MAX_REFINEMENTS {
        return Err(problem("are longer than 1024 bytes"));
    }
    // Refinements nest two deep at most: a number bound is [number, inclusive].
    let read = read(data, 2).map_err(|_| problem("are not valid msgpack"))?;
    match read {
        (Item::Map(_), used) if used == data.len() => Ok(()),
        _ => Err(problem("are not one map")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(text: &str) -> Vec<u8> {
        text.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    fn item(text: &str) -> Result<Item<'static>, ReadError> {
        let bytes = unhex(text).leak();
        read(bytes, 4).map(|(item, used)| {
            assert_eq!(used, bytes.len(), "{text}");
            item
        })
    }

    #[test]
    fn reads_every_marker_family() {
        for (bytes, expected) in [
            ("7f", Item::Int(127)),
            ("e0", Item::Int(-32)),
            ("ff", Item::Int(-1)),
            ("cc ff", Item::Int(255)),
            ("cd ff ff", Item::Int(65535)),
            ("ce ff ff ff ff", Item::Int(4_294_967_295)),
            ("cf 7f ff ff ff ff ff ff ff", Item::Int(i64::MAX)),
            ("cf ff ff ff ff ff ff ff ff", Item::UInt(u64::MAX)),
            ("d0 80", Item::Int(-128)),
            ("d1 80 00", Item::Int(-32768)),
            ("d2 80 00 00 00", Item::Int(-2_147_483_648)),
            ("d3 80 00 00 00 00 00 00 00", Item::Int(i64::MIN)),
            ("ca 3f c0 00 00", Item::F32(1.5)),
            ("cb 3f f8 00 00 00 00 00 00", Item::F64(1.5)),
            ("c0", Item::Nil),
            ("c2", Item::Bool(false)),
            ("c3", Item::Bool(true)),
            ("a1 78", Item::Str(b"x")),
            ("d9 01 78", Item::Str(b"x")),
            ("da 00 01 78", Item::Str(b"x")),
            ("db 00 00 00 01 78", Item::Str(b"x")),
            ("c4 01 78", Item::Bin(b"x")),
            ("c5 00 01 78", Item::Bin(b"x")),
            ("c6 00 00 00 01 78", Item::Bin(b"x")),
            ("92 01 c0", Item::Array(vec![Item::Int(1), Item::Nil])),
            ("dc 00 01 01", Item::Array(vec![Item::Int(1)])),
            ("dd 00 00 00 01 01", Item::Array(vec![Item::Int(1)])),
            (
                "81 a1 61 01",
                Item::Map(vec![(Item::Str(b"a"), Item::Int(1))]),
            ),
            ("de 00 00", Item::Map(vec![])),
            ("df 00 00 00 00", Item::Map(vec![])),
        ] {
            assert_eq!(item(bytes), Ok(expected), "{bytes}");
        }
    }

    #[test]
    fn reads_go_cty_unknowns_in_every_extension_form() {
        for bytes in [
            "d4 00 00",
            "d5 00 00 00",
            "c7 00 00",
            "c7 03 0c 81 01 c2",
            "d4 0c 80",
            // {3: [1, true]}: a number's lower bound.
            "c7 05 0c 81 03 92 01 c3",
            "c8 00 03 0c 81 01 c2",
            "c9 00 00 00 03 0c 81 01 c2",
        ] {
            assert_eq!(item(bytes), Ok(Item::Unknown), "{bytes}");
        }
    }

    #[test]
    fn refuses_the_reserved_byte_anywhere() {
        assert_eq!(item("c1"), Err(ReadError::Reserved { offset: 0 }));
        assert_eq!(
            item("82 a1 61 01 a1 62 c1"),
            Err(ReadError::Reserved { offset: 6 })
        );
        assert_eq!(
            item("91 c1").unwrap_err().to_string(),
            "byte 1 is 0xc1, which msgpack reserves and never uses"
        );
    }

    #[test]
    fn refuses_foreign_extensions_and_malformed_refinements() {
        assert_eq!(
            item("d4 01 00"),
            Err(ReadError::Extension { ty: 1, offset: 0 })
        );
        assert_eq!(
            item("91 d5 ff 00 00"),
            Err(ReadError::Extension { ty: -1, offset: 1 })
        );
        assert_eq!(
            item("c7 01 07 00").unwrap_err().to_string(),
            "extension type 7 at byte 0: Terraform sends only unknown values, as extension \
             types 0 and 12"
        );
        for bytes in [
            "c7 00 0c",
            "d4 0c 01",
            "d4 0c c1",
            "c7 02 0c 80 80",
            "d5 0c 81 01",
        ] {
            assert!(
                matches!(item(bytes), Err(ReadError::Refinements { offset: 0, .. })),
                "{bytes}"
            );
        }
        let mut long = vec![0xc8, 0x04, 0x01, 0x0c, 0xde, 0x00, 0xff];
        long.resize(long.len() + 1025 - 3, 0x00);
        assert_eq!(
            read(&long, 4).unwrap_err().to_string(),
            "the refinements of the unknown value at byte 0 are longer than 1024 bytes"
        );
    }

    #[test]
    fn lengths_beyond_the_data_are_truncations_not_allocations() {
        for bytes in [
            "dd ff ff ff ff",
            "df ff ff ff ff",
            "db ff ff ff ff",
            "c6 ff ff ff ff",
            "c9 ff ff ff ff 00",
            "92 01",
            "a2 61",
            "cb 00",
            "",
        ] {
            assert_eq!(item(bytes), Err(ReadError::Truncated), "{bytes}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        assert!(read(&[0x91, 0x91, 0x91, 0x90], 4).is_ok());
        assert_eq!(
            read(&[0x91, 0x91, 0x91, 0x91, 0x90], 4),
            Err(ReadError::TooDeep(4))
        );
        assert_eq!(read(&[0x81, 0x01, 0x80], 1), Err(ReadError::TooDeep(1)));
    }
}
