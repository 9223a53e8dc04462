/// The failure detector's options. Times are nanoseconds on the shell's monotonic clock.
///
/// Contract: `pingTimeout` < `probeInterval` (the rest of the period is the indirect probes'
/// time), `relayTimeout` < `probeInterval` − `pingTimeout` (so a relay's nack can arrive before
/// the period ends), `suspicionTimeoutMin` ≤ `suspicionTimeoutMax`,
/// `maxPiggybackedUpdates` ≤ ``SWIMLimits/maxPiggybackedUpdates``,
/// `independentSuspicions` + 1 ≤ ``SWIMLimits/maxAccusers``. ``validated()`` checks them.
public struct SWIMSettings: Sendable, Equatable {
    /// One protocol period: one member is probed per period (scaled by the local health).
    public var probeInterval: UInt64
    /// How long a direct ping waits for its ack before ping requests go out (scaled by the local
    /// health).
    public var pingTimeout: UInt64
    /// How long a member pinging on another's behalf waits before answering nack.
    public var relayTimeout: UInt64
    /// Members asked to ping a target that missed its direct ack (SWIM's k).
    public var indirectProbes: Int
    /// Lifeguard's suspicion timeout bounds: the time from suspicion to dead is
    /// `suspicionTimeoutMax` with no confirmation, shrinking towards `suspicionTimeoutMin` as
    /// independent suspicions arrive.
    public var suspicionTimeoutMin: UInt64
    public var suspicionTimeoutMax: UInt64
    /// Independent confirmations that bring the suspicion timeout down to its minimum
    /// (Lifeguard's K; fewer in a group too small to give that many).
    public var independentSuspicions: Int
    /// Push-pull: every this often, every member's status is exchanged with one random member.
    public var syncInterval: UInt64
    /// Updates piggybacked on one probe message (at most).
    public var maxPiggybackedUpdates: Int
    /// SWIM's λ: an update is piggybacked `retransmitMultiplier × ⌈log₂(n + 1)⌉` times, n members.
    public var retransmitMultiplier: Int
    /// Lifeguard's local health multiplier saturates here: probe interval and ping timeout grow
    /// up to (1 + this) times.
    public var maxLocalHealth: Int
    /// Ping requests served at once for other members; more are refused.
    public var maxRelayedProbes: Int

    public init(
        probeInterval: UInt64 = 1_000_000_000,
        pingTimeout: UInt64 = 500_000_000,
        relayTimeout: UInt64 = 400_000_000,
        indirectProbes: Int = 3,
        suspicionTimeoutMin: UInt64 = 4_000_000_000,
        suspicionTimeoutMax: UInt64 = 24_000_000_000,
        independentSuspicions: Int = 3,
        syncInterval: UInt64 = 10_000_000_000,
        maxPiggybackedUpdates: Int = 8,
        retransmitMultiplier: Int = 3,
        maxLocalHealth: Int = 8,
        maxRelayedProbes: Int = 32
    ) {
        self.probeInterval = probeInterval
        self.pingTimeout = pingTimeout
        self.relayTimeout = relayTimeout
        self.indirectProbes = indirectProbes
        self.suspicionTimeoutMin = suspicionTimeoutMin
        self.suspicionTimeoutMax = suspicionTimeoutMax
        self.independentSuspicions = independentSuspicions
        self.syncInterval = syncInterval
        self.maxPiggybackedUpdates = maxPiggybackedUpdates
        self.retransmitMultiplier = retransmitMultiplier
        self.maxLocalHealth = maxLocalHealth
        self.maxRelayedProbes = maxRelayedProbes
    }

    /// The first broken rule, or nil when the settings are usable.
    public func validated() -> String? {
        if probeInterval == 0 { return "probeInterval must be positive" }
        if pingTimeout == 0 || pingTimeout >= probeInterval { return "pingTimeout must be positive and below probeInterval" }
        if relayTimeout == 0 || relayTimeout >= probeInterval - pingTimeout {
            return "relayTimeout must be positive and below probeInterval - pingTimeout"
        }
        if indirectProbes < 0 { return "indirectProbes must not be negative" }
        if suspicionTimeoutMin > suspicionTimeoutMax { return "suspicionTimeoutMin must not exceed suspicionTimeoutMax" }
        if independentSuspicions < 0 || independentSuspicions + 1 > SWIMLimits.maxAccusers {
            return "independentSuspicions must be in 0...\(SWIMLimits.maxAccusers - 1)"
        }
        if syncInterval == 0 { return "syncInterval must be positive" }
        if maxPiggybackedUpdates < 1 || maxPiggybackedUpdates > SWIMLimits.maxPiggybackedUpdates {
            return "maxPiggybackedUpdates must be in 1...\(SWIMLimits.maxPiggybackedUpdates)"
        }
        if retransmitMultiplier < 1 { return "retransmitMultiplier must be positive" }
        if maxLocalHealth < 0 { return "maxLocalHealth must not be negative" }
        if maxRelayedProbes < 0 { return "maxRelayedProbes must not be negative" }
        return nil
    }
}

/// What a SWIM instance accepts from a peer; a message past any of these is refused whole,
/// before any state is touched (the wire decoder may check them earlier).
public enum SWIMLimits {
    /// Updates on a ping, ping request, ack or nack.
    public static let maxPiggybackedUpdates = 64
    /// Statuses on a sync or sync reply (so at most this many members, the node included).
    public static let maxSyncStates = 4_096
    /// Accusers on one suspect update.
    public static let maxAccusers = 8
    /// The highest incarnation accepted (2⁶², as for version counters), so a forged one cannot
    /// make a refutation overflow.
    public static let maxIncarnation: UInt64 = 1 << 62
}
