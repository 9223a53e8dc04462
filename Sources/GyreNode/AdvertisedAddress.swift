import GyreHTTP2

/// The rule for the addresses a node records in the ring: others must be able to dial them.
///
/// Contract: pure. A listener on a wildcard host (`0.0.0.0`, `::`) accepts on every interface
/// but names none, so it needs an advertised address; an advertised address is `HOST:PORT` with
/// a port in 1...65535 and a host that is not a wildcard. Returns the problem, or nil.
public enum AdvertisedAddress {
    public static func isWildcard(_ host: String) -> Bool {
        host.isEmpty || host == "0.0.0.0" || host == "::" || host == "[::]" || host == "*"
    }

    /// What is wrong with listening on `listenHost` and advertising `advertised` (given with
    /// option `option`, for the message), or nil.
    public static func problem(listenHost: String, advertised: String?, listenOption: String, option: String) -> String? {
        guard let advertised else {
            return isWildcard(listenHost)
                ? "\(listenOption) is on the wildcard host \(listenHost), which no one can dial: give \(option) HOST:PORT, the address others reach this node at"
                : nil
        }
        guard let (host, port) = HostPort.parse(advertised), port >= 1, port <= 65535 else {
            return "\(option) must be HOST:PORT with a port in 1...65535, got \(advertised)"
        }
        if isWildcard(host) { return "\(option) \(advertised) is a wildcard address: advertise one others can dial" }
        return nil
    }
}
