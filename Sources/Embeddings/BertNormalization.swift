import Foundation

/// The text normalisation of BERT's uncased tokenizer, as Hugging Face's `BertNormalizer` and
/// `BertPreTokenizer` do it (clean text, isolate CJK ideographs, strip accents, lower-case,
/// then split on whitespace and punctuation).
///
/// Character classes come from Swift's Unicode tables; Hugging Face's come from Rust's standard
/// library and the `unicode_categories` crate, so a character whose category changed between
/// Unicode versions may be treated differently. Everything in the reference fixture agrees.
enum BertNormalization {
    /// Removed by the cleaning step without leaving a word boundary: NUL, the replacement
    /// character (what invalid UTF-8 decodes to) and control, format and private-use characters
    /// (Cc, Cf, Co) other than tab, newline and carriage return.
    @inline(__always)
    static func isRemoved(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D) || value == 0x7F
        }
        if value == 0xFFFD { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse: return true
        default: return false
        }
    }

    /// A word boundary (checked after `isRemoved`, so vertical tab and form feed, which are
    /// control characters, are already gone).
    @inline(__always)
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return value == 0x20 || value == 0x09 || value == 0x0A || value == 0x0D }
        return scalar.properties.isWhitespace
    }

    /// Every ASCII punctuation character (including symbols such as `$`, `+`, `^`, which
    /// Unicode does not call punctuation) and every Unicode punctuation category (P*).
    @inline(__always)
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (0x21...0x2F).contains(value) || (0x3A...0x40).contains(value)
                || (0x5B...0x60).contains(value) || (0x7B...0x7E).contains(value)
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideographs blocks (not Hiragana, Katakana or Hangul, which are written
    /// with spaces): each ideograph becomes a word of its own.
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// One whitespace-delimited word after cleaning, normalised: CJK ideographs set apart by
    /// spaces, canonically decomposed (NFD) with non-spacing marks dropped, then lower-cased
    /// character by character (full mappings, so `İ` becomes `i` + U+0307 and that mark stays).
    /// Decomposition never reorders across a space, so doing it per word equals doing it on the
    /// whole text.
    static func normalize(_ word: [Unicode.Scalar], into output: inout [Unicode.Scalar]) {
        output.removeAll(keepingCapacity: true)
        if word.allSatisfy(\.isASCII) {
            for scalar in word { output.append(lowercasedASCII(scalar)) }
            return
        }
        var spaced = String.UnicodeScalarView()
        for scalar in word {
            if isChineseCharacter(scalar) {
                spaced.append(" ")
                spaced.append(scalar)
                spaced.append(" ")
            } else {
                spaced.append(scalar)
            }
        }
        for scalar in String(spaced).decomposedStringWithCanonicalMapping.unicodeScalars
        where scalar.properties.generalCategory != .nonspacingMark {
            if scalar.isASCII {
                output.append(lowercasedASCII(scalar))
            } else {
                output.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
    }

    @inline(__always)
    private static func lowercasedASCII(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        (0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(UInt8(scalar.value + 0x20)) : scalar
    }
}
