import Testing

@testable import WAMPCore

@Suite struct IDMapTests {
    @Test func behavesLikeADictionary() {
        var map: IDMap<String> = [1: "one"]
        var reference: [UInt64: String] = [1: "one"]
        var generator = SystemRandomNumberGenerator()
        for step in 0..<20_000 {
            // Sequential ids, random 53-bit ids and ids differing only in high bits.
            let id: UInt64
            switch step % 3 {
            case 0: id = UInt64(step / 3)
            case 1: id = UInt64.random(in: 0...(1 << 53), using: &generator)
            default: id = UInt64(step % 64) << 40
            }
            if step % 5 == 4 {
                #expect(map.removeValue(forKey: id) == reference.removeValue(forKey: id))
            } else {
                map[id] = "\(step)"
                reference[id] = "\(step)"
            }
            map[id &+ 1, default: "d"] += "!"
            reference[id &+ 1, default: "d"] += "!"
        }
        #expect(map.count == reference.count)
        #expect(Set(map.keys) == Set(reference.keys))
        for (id, value) in map {
            #expect(reference[id] == value)
        }
        #expect(map.values.count == reference.count)
    }

    @Test func hashesSpreadSequentialAndStridedIDs() {
        // Ids a peer might pick to collide: sequential, and multiples of a power of two.
        for stride in [UInt64(1), 1 << 10, 1 << 32] {
            var buckets = Set<Int>()
            for index in 0..<1024 {
                buckets.insert(IDKey(UInt64(index) &* stride)._rawHashValue(seed: 12345) & 1023)
            }
            // A uniform hash fills about 63 % of 1 024 buckets with 1 024 keys.
            #expect(buckets.count > 550, "stride \(stride): \(buckets.count) buckets")
        }
    }

    @Test func seedChangesTheHash() {
        let key = IDKey(42)
        #expect(key._rawHashValue(seed: 1) != key._rawHashValue(seed: 2))
    }
}
