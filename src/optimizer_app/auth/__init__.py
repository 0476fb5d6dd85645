"""Platform identity: verifying tokens and signatures, minting access tokens."""
