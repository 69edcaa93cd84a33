"""Part 1 of the course, neural networks: the artificial neuron, a network trained live
(forward pass, loss, backpropagation, gradient descent), and the 2D data sets they learn."""
