/// A layer whose last operation is an activation that a loss can fuse with.
///
/// Softmax + cross-entropy and sigmoid + binary cross-entropy have the simple, stable gradient
/// `p - y` with respect to the pre-activation. When the model's last layer conforms, `Sequential`
/// sets `skipsActivationGradient` during `backward` and passes that gradient straight through.
public protocol OutputActivationLayer: Layer {
    var outputActivation: Activation? { get }
    var skipsActivationGradient: Bool { get set }
}

/// A layer that can skip computing its input gradient.
///
/// `Sequential` sets `needsInputGradient = false` on its first trainable layer (nothing below it
/// learns) and stops back-propagation there; for the first Dense of an MLP that saves a third of
/// its backward FLOPs.
public protocol InputGradientOptional: Layer {
    var needsInputGradient: Bool { get set }
}

/// Buffer helpers shared by the layers in this module.
extension Array where Element == Float {
    /// Makes the array exactly `count` long, reallocating (uninitialised contents) only when the
    /// size changes, so a layer's buffers are reused from batch to batch.
    @inline(__always)
    mutating func resize(_ count: Int) {
        if self.count != count {
            self = [Float](unsafeUninitializedCapacity: count) { _, n in n = count }
        }
    }
}
