/// A C array of messages plus the array of pointers to them that protobuf-c's repeated fields
/// want; `pointers` is NULL when empty. Freed by ``release()``.
struct CArray<Element> {
    private let elements: UnsafeMutablePointer<Element>
    private let slots: UnsafeMutablePointer<UnsafeMutablePointer<Element>?>
    private let count: Int

    init(count: Int) {
        self.count = count
        elements = .allocate(capacity: max(1, count))
        slots = .allocate(capacity: max(1, count))
    }

    func set(_ index: Int, _ element: Element) {
        (elements + index).initialize(to: element)
        slots[index] = elements + index
    }

    var pointers: UnsafeMutablePointer<UnsafeMutablePointer<Element>?>? { count == 0 ? nil : slots }

    func release() {
        elements.deinitialize(count: count)
        elements.deallocate()
        slots.deallocate()
    }
}
