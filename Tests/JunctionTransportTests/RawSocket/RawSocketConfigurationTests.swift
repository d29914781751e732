import Testing

@testable import JunctionTransport

@Suite struct RawSocketConfigurationTests {
    @Test(arguments: [
        (0, UInt8(0), 512),
        (512, 0, 512),
        (1000, 0, 512),
        (1024, 1, 1024),
        (65535, 6, 32768),
        (1 << 24, 15, 1 << 24),
        (1 << 30, 15, 1 << 24),
    ])
    func exponentRoundsDownAndClamps(length: Int, exponent: UInt8, advertised: Int) {
        let configuration = RawSocketConfiguration(maxMessageLength: length)
        #expect(configuration.maxMessageLengthExponent == exponent)
        #expect(configuration.advertisedMaxMessageLength == advertised)
    }
}
