/// A connection's streams whose request has not fully arrived, oldest first: an intrusive
/// doubly linked list through the streams themselves, so the request timeout finds the oldest
/// in O(1) and a stream leaves it in O(1), without allocating.
///
/// Contract: a stream is in at most one list, at most once (``append(_:)`` on a member and
/// ``remove(_:)`` on a non-member are no-ops); removing clears the stream's links.
struct IncompleteRequests {
    private(set) var oldest: ServerStream?
    private var newest: ServerStream?

    mutating func append(_ stream: ServerStream) {
        guard !stream.inIncompleteList else { return }
        stream.inIncompleteList = true
        stream.olderIncomplete = newest
        newest?.newerIncomplete = stream
        newest = stream
        if oldest == nil { oldest = stream }
    }

    mutating func remove(_ stream: ServerStream) {
        guard stream.inIncompleteList else { return }
        stream.inIncompleteList = false
        if let older = stream.olderIncomplete { older.newerIncomplete = stream.newerIncomplete } else { oldest = stream.newerIncomplete }
        if let newer = stream.newerIncomplete { newer.olderIncomplete = stream.olderIncomplete } else { newest = stream.olderIncomplete }
        stream.olderIncomplete = nil
        stream.newerIncomplete = nil
    }
}
