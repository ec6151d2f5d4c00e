/// The Keras CNN recipes (need Conv2D, MaxPool2D and Dropout).
extension Preset {
    public static let convolutional: [Preset] = [
        Preset(
            name: "cnn-small",
            summary: "Conv2D 32 5x5 relu, MaxPool 2, Dropout 0.2, Flatten, Dense 128 relu, Dense 10 softmax; Adam, batch 200",
            optimizer: .adamDefault, loss: .sparseCategoricalCrossEntropy, batchSize: 200, epochs: 10,
            transform: .normalized, reported: "99.05%"
        ) {
            [
                Conv2D(filters: 32, kernelSize: 5, activation: .relu), MaxPool2D(poolSize: 2), Dropout(rate: 0.2),
                Flatten(), Dense(128, activation: .relu), Dense(10, activation: .softmax),
            ]
        },
        Preset(
            name: "cnn-large",
            summary: "Conv2D 30 5x5, MaxPool, Conv2D 15 3x3, MaxPool, Dropout 0.2, Flatten, Dense 128, 50, 10; Adam, batch 200",
            optimizer: .adamDefault, loss: .sparseCategoricalCrossEntropy, batchSize: 200, epochs: 10,
            transform: .normalized, reported: "99.18%"
        ) {
            [
                Conv2D(filters: 30, kernelSize: 5, activation: .relu), MaxPool2D(poolSize: 2),
                Conv2D(filters: 15, kernelSize: 3, activation: .relu), MaxPool2D(poolSize: 2), Dropout(rate: 0.2),
                Flatten(), Dense(128, activation: .relu), Dense(50, activation: .relu), Dense(10, activation: .softmax),
            ]
        },
    ]
}

extension Conv2D: InputGradientOptional {}
