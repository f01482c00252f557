"""Entry point for `python -m vae_core` (see vae_core.cli)."""

if __name__ == "__main__":
    from .cli import main

    raise SystemExit(main())
