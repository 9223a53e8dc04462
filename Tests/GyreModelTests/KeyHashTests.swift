import GyreModel
import GyreTestKit
import Testing

/// XXH64 against reference values and the partition rule SDKs must reproduce.
@Suite("KeyHash")
struct KeyHashTests {
    /// Published XXH64 values (seed 0) for text inputs.
    static let textVectors: [(String, UInt64)] = [
        ("", 0xEF46_DB37_51D8_E999),
        ("a", 0xD24E_C4F1_A98C_6E5B),
        ("abc", 0x44BC_2CF5_AD77_0999),
        ("message digest", 0x066E_D728_FCEE_B3BE),
        ("abcdefghijklmnopqrstuvwxyz", 0xCFE1_F278_FA89_835C),
        ("12345678901234567890123456789012345678901234567890123456789012345678901234567890", 0xE04A_477F_19EE_145D),
        ("The quick brown fox jumps over the lazy dog", 0x0B24_2D36_1FDA_71BC),
    ]

    /// XXH64 (seed 0) of `patterned(length)`, computed with the reference C implementation
    /// (python `xxhash` 3.x). Lengths 0...64 cover every tail path (8-, 4- and 1-byte steps) on
    /// both sides of the 32-byte stripe loop; 65...1000 cover many stripes.
    static let patternVectors: [(Int, UInt64)] = [
        (0, 0xEF46_DB37_51D8_E999),
        (1, 0xA96C_7F0C_E858_BBB7),
        (2, 0xAC37_8C59_93CD_5F9A),
        (3, 0x56E6_9576_32A4_87F9),
        (4, 0xC60D_15B1_E3FF_8F04),
        (5, 0x8088_1585_8624_DD4E),
        (6, 0xCF22_B4E8_7E9B_BD00),
        (7, 0xAFBE_FC3D_6C6F_9A8E),
        (8, 0x3DA5_C7AA_2696_83E0),
        (9, 0x4B17_A9BA_9E21_5C09),
        (10, 0x6B88_9090_B8A9_22B8),
        (11, 0x1FC0_70E4_4716_BD8E),
        (12, 0x8FE8_AB1C_1FD0_666E),
        (13, 0x0382_284C_C19C_4ABB),
        (14, 0x1523_F762_201B_A56E),
        (15, 0xAE2A_37EB_9357_CAA7),
        (16, 0xA19A_D429_B02B_C413),
        (17, 0xFE9F_0FEB_7EEE_DC09),
        (18, 0xA44D_BC53_C815_D4FE),
        (19, 0x3693_E04C_0DFC_7DD2),
        (20, 0x0BFB_ADB3_68E7_F37C),
        (21, 0xFE78_6836_97D5_C575),
        (22, 0xB071_4242_0C77_FE7F),
        (23, 0xE77B_1FCE_A841_18C3),
        (24, 0x9294_38E5_C215_9EF9),
        (25, 0x7E6C_9591_9380_459F),
        (26, 0xAF2E_FE1A_A0CF_37DC),
        (27, 0x8EDA_A24C_28D1_2EC6),
        (28, 0xA36B_5C40_9118_7D2A),
        (29, 0xEB1F_EE1B_F095_4759),
        (30, 0x6A54_EBE6_FE40_B928),
        (31, 0x4A74_F3A1_A39A_D4A1),
        (32, 0x8D57_D6A4_671C_C43D),
        (33, 0x62C9_FD21_ED85_7664),
        (34, 0x42CC_E8A8_F5FC_5F1F),
        (35, 0x85CB_CF9E_0D9C_BECA),
        (36, 0xA447_5C60_6B0A_BC3C),
        (37, 0x5D71_D9FC_4B67_6D9F),
        (38, 0x88A7_4AB8_EAEB_0218),
        (39, 0x1789_5424_89E5_9CC4),
        (40, 0x49B4_5332_E280_F187),
        (41, 0xB410_B484_64DC_1268),
        (42, 0x9DAC_B790_A152_6540),
        (43, 0x7C29_6A6B_49B1_88E7),
        (44, 0xA6B6_9C7C_EE5D_5B54),
        (45, 0xAA6A_EB71_98C8_C81C),
        (46, 0x7C4B_5A84_F7CD_59F3),
        (47, 0x05E3_AB06_C6BB_0A6B),
        (48, 0x9F31_C521_803D_A811),
        (49, 0x9F78_7017_DE72_7118),
        (50, 0xCA2E_EE5C_B9FB_5469),
        (51, 0x33A2_9BD1_6514_6948),
        (52, 0x76D9_CAAC_C61B_6870),
        (53, 0xA7A6_E96A_5BE1_8EB9),
        (54, 0x4A6D_8C8C_B7AB_9234),
        (55, 0x2471_4409_0389_5716),
        (56, 0x69AE_A769_9ABF_3484),
        (57, 0x49E8_D867_C0AC_8865),
        (58, 0xD392_8F8D_2530_D5EE),
        (59, 0x8A1F_4D8F_4C90_45FE),
        (60, 0xEAFE_FBF8_3AB6_2C32),
        (61, 0x1BE3_BA2E_A412_89BE),
        (62, 0x7ACA_EF6A_E2F7_A5B6),
        (63, 0x5C32_0A0D_2707_057F),
        (64, 0x7BBA_BBC4_5729_D17E),
        (65, 0xF398_0C34_BAE6_5DC1),
        (100, 0xEFA0_AD2D_3E70_C151),
        (255, 0x2C3D_B4BB_567F_731E),
        (1000, 0x9959_4F48_2804_3D35),
    ]

    /// Byte i is (31·i + 7) mod 256.
    static func patterned(_ length: Int) -> [UInt8] {
        (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    }

    @Test("text vectors", arguments: textVectors.indices)
    func text(index: Int) {
        let (text, expected) = Self.textVectors[index]
        #expect(KeyHash.xxh64(Array(text.utf8)) == expected, "\(text)")
        #expect(KeyHash.hash(Key(text)) == expected, "\(text)")
    }

    @Test("patterned vectors of lengths 0...64, 65, 100, 255, 1000")
    func patterned() {
        for (length, expected) in Self.patternVectors {
            #expect(KeyHash.xxh64(Self.patterned(length)) == expected, "length \(length)")
        }
    }

    @Test("unaligned input hashes like aligned input")
    func unaligned() {
        let bytes = Self.patterned(101)
        for start in 1..<8 {
            let slice = Array(bytes[start...])
            let viaSlice = bytes[start...].withUnsafeBytes { KeyHash.xxh64($0) }
            #expect(viaSlice == KeyHash.xxh64(slice), "start \(start)")
        }
    }

    @Test("a nonzero seed changes the hash (seed 1 reference)")
    func seeded() {
        // XXH64("abc", seed 1) from the reference implementation.
        #expect(KeyHash.xxh64(Array("abc".utf8), seed: 1) == 0xBEA9_CA81_9932_8908)
        #expect(KeyHash.seed == 0)
    }

    @Test("partition is the top log2(Q) bits of the hash")
    func topBits() {
        let hash: UInt64 = 0xF123_4567_89AB_CDEF
        #expect(KeyHash.partition(ofHash: hash, partitionCount: 1) == 0)
        #expect(KeyHash.partition(ofHash: hash, partitionCount: 2) == 1)
        #expect(KeyHash.partition(ofHash: hash, partitionCount: 16) == 0xF)
        #expect(KeyHash.partition(ofHash: hash, partitionCount: 4096) == 0xF12)
        #expect(KeyHash.partition(ofHash: hash, partitionCount: 65536) == 0xF123)
        #expect(KeyHash.partition(ofHash: 0, partitionCount: 65536) == 0)
        #expect(KeyHash.partition(ofHash: .max, partitionCount: 64) == 63)
        // "abc" hashes to 0x44BC2CF5AD770999: top 12 bits 0x44B.
        #expect(KeyHash.partition(for: Key("abc"), partitionCount: 4096) == 0x44B)
    }

    @Test("valid partition counts are the powers of two 1...65536")
    func validCounts() {
        for bits in 0...16 { #expect(KeyHash.isValidPartitionCount(1 << bits)) }
        for count in [0, -1, 3, 6, 100, 4095, 1 << 17] { #expect(!KeyHash.isValidPartitionCount(count), "\(count)") }
    }

    @Test("seeded random keys spread evenly over 64 partitions")
    func spread() {
        var random = SeededRandom(seed: 0x5EED_4B45)
        var counts = [Int](repeating: 0, count: 64)
        let keys = 100_000
        for _ in 0..<keys {
            let length = 1 + Int(random.next() % 40)
            counts[KeyHash.partition(for: Key(random.bytes(count: length)), partitionCount: 64)] += 1
        }
        // Mean 1562.5, standard deviation ~39: ±10% is over 4 standard deviations.
        let mean = Double(keys) / 64
        #expect(Double(counts.max()!) < mean * 1.1, "seed \(random.seed): \(counts)")
        #expect(Double(counts.min()!) > mean * 0.9, "seed \(random.seed): \(counts)")
        // Sequential keys, the usual benchmark pattern, spread as well.
        var sequential = [Int](repeating: 0, count: 64)
        for index in 0..<keys { sequential[KeyHash.partition(for: Key("key-\(index)"), partitionCount: 64)] += 1 }
        #expect(Double(sequential.max()!) < mean * 1.1, "\(sequential)")
        #expect(Double(sequential.min()!) > mean * 0.9, "\(sequential)")
    }
}
