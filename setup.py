"""ament_python build description: installs the package, its launch/config files and entry points."""
from setuptools import Extension, find_packages, setup

PACKAGE = "mosaico_ros_bridge"

setup(
    name=PACKAGE,
    version="0.1.0",
    packages=find_packages(include=[PACKAGE, f"{PACKAGE}.*"]),
    # The columnar encoder's inner loop; optional: without a compiler the pure-Python path is used.
    ext_modules=[Extension(f"{PACKAGE}.ontology._gather", [f"{PACKAGE}/ontology/_gather.c"],
                           extra_compile_args=["-O2"], optional=True)],
    # data_files (ament index marker, package.xml, launch and config files): setup.cfg [options.data_files]
    install_requires=["setuptools"],
    zip_safe=True,
    maintainer="mosaico_ros_bridge developers",
    maintainer_email="dev@mosaico-ros-bridge.org",
    description="Records live ROS 2 topics into Mosaico over Apache Arrow Flight.",
    license="Apache-2.0",
    python_requires=">=3.10",
    entry_points={
        "console_scripts": [
            f"recorder = {PACKAGE}.__main__:main",
            f"mosaico-local-server = {PACKAGE}.server.__main__:main",
            f"upload = {PACKAGE}.upload:main",
        ],
    },
)
