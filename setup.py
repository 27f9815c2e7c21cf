"""Packaging hook (the rest is pyproject.toml): the documentation, docs/*.md, goes into a built wheel as
sitegen/docs/, so that `sitegen help TOPIC` reads it wherever sitegen is installed (sitegen/help.py)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithDocs(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "sitegen" / "docs"
        target.mkdir(parents=True, exist_ok=True)
        for page in sorted((Path(__file__).parent / "docs").glob("*.md")):
            shutil.copyfile(page, target / page.name)


setup(cmdclass={"build_py": BuildWithDocs})
