/// `tutorial`: the Colab MNIST notebook, step by step, with each command shown and run.
enum TutorialCommand {
    struct Step {
        var title: String
        var explanation: String
        var command: String
    }

    static func steps(epochs: Int) -> [Step] {
        [
            Step(title: "Load the data",
                 explanation: "The notebook calls keras.datasets.mnist.load_data(). Here 'load mnist' finds MNIST in the\ndata directory, downloads it, or falls back to the 5,000-digit sample when offline.",
                 command: "load mnist"),
            Step(title: "Look at the shapes",
                 explanation: "x_train.shape is (N, 28, 28): N greyscale images of 28x28 pixels, values 0-255,\nwith a label 0-9 for each.",
                 command: "info"),
            Step(title: "The first 20 training images",
                 explanation: "The notebook draws a 4x5 grid with matplotlib; the terminal draws it with characters.",
                 command: "show 0-19"),
            Step(title: "One image as numbers",
                 explanation: "An image is just a 28x28 matrix of intensities: 0 is background, 255 is full ink.",
                 command: "pixels 0"),
            Step(title: "Pixel intensities before normalising",
                 explanation: "Most pixels are background (0); the ink is spread up to 255.",
                 command: "hist 0"),
            Step(title: "Normalise",
                 explanation: "Networks train better on small inputs: divide by 255 so pixels lie in 0.0-1.0.",
                 command: "normalize; hist 0"),
            Step(title: "Build the model",
                 explanation: "Flatten turns 28x28 into 784 inputs; two Dense layers of 512 ReLU units learn features;\na Dense 10 softmax layer gives one probability per digit.",
                 command: "model new; add flatten; add dense 512 --activation relu; add dense 512 --activation relu; add dense 10 --activation softmax"),
            Step(title: "Compile it",
                 explanation: "Adam, sparse categorical cross-entropy (labels are integers), accuracy as the metric.",
                 command: "compile --optimizer adam --loss crossentropy; summary"),
            Step(title: "Train",
                 explanation: "Each epoch sees every training image once, in batches of 128; watch loss fall and accuracy rise.",
                 command: "train \(epochs) --batch 128"),
            Step(title: "Evaluate on the test set",
                 explanation: "Images the network has never seen: this is the accuracy that counts.",
                 command: "evaluate"),
            Step(title: "Predict",
                 explanation: "Each test image beside the network's answer and its confidence in every class.",
                 command: "predict 0 1 2 --test"),
            Step(title: "Learning curves",
                 explanation: "Loss per epoch; 'plot accuracy' shows the other curve.",
                 command: "plot loss"),
        ]
    }

    static let spec = CommandSpec(
        name: "tutorial", group: .shell, summary: "Walk through the Colab MNIST notebook step by step",
        details: "Each step is explained in a few lines, its command shown and run. On a terminal it pauses before each step (Enter runs it, q stops); in a script it runs straight through.",
        options: [.value("epochs", "N", "epochs for the training step (default 5)")],
        example: "tutorial\ntutorial --epochs 1"
    ) { ctx in
        let epochs = try ctx.args.int("epochs", default: 5, in: 1...100)
        let all = steps(epochs: epochs)
        for (number, step) in all.enumerated() {
            ctx.console.print("\nStep \(number + 1)/\(all.count): \(step.title)\n\(step.explanation)\n\n  > \(step.command)\n")
            if ctx.console.capabilities.isInteractive {
                let answer = ctx.console.ask("[Enter] run  [q] stop: ")
                if answer == nil || answer?.lowercased() == "q" {
                    ctx.console.print("tutorial stopped; the session keeps everything built so far")
                    return
                }
            }
            guard ctx.shell.run(step.command) else {
                throw ShellError("the tutorial stopped at step \(number + 1) because '\(step.command)' failed")
            }
            if ctx.session.interrupted { throw ShellError("interrupted at step \(number + 1)") }
        }
    }
}
