import JunctionComponents
import Testing

@Suite struct LineSplitterTests {
    private func feed(_ splitter: inout LineSplitter, _ text: String) -> [String] {
        Array(text.utf8).withUnsafeBytes { splitter.feed($0) }
    }

    @Test func linesSplitAcrossChunksComeOutWhole() {
        var splitter = LineSplitter()
        #expect(self.feed(&splitter, "hel").isEmpty)
        #expect(self.feed(&splitter, "lo\nwor") == ["hello"])
        #expect(self.feed(&splitter, "ld\r\n\nlast") == ["world", ""])
        #expect(splitter.finish() == "last")
        #expect(splitter.finish() == nil)
    }

    @Test func overlongLinesAreCut() {
        var splitter = LineSplitter(maxLineLength: 4)
        #expect(self.feed(&splitter, "abcdefghij\n") == ["abcd", "efgh", "ij"])
    }

    @Test func invalidUTF8IsRepaired() {
        var splitter = LineSplitter()
        let lines = [UInt8]([0x61, 0xFF, 0x62, 0x0A]).withUnsafeBytes { splitter.feed($0) }
        #expect(lines == ["a\u{FFFD}b"])
    }
}
