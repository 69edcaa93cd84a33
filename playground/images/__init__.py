"""Part 3, generative models of images: GANs (2D and Fashion-MNIST), the VAE, diffusion (2D
and images), their small torch networks and the weights the project trained."""
