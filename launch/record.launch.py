"""Start the Mosaico recorder:

    ros2 launch mosaico_ros_bridge record.launch.py [config:=FILE] [namespace:=NS] [sequence_name:=NAME]
        [server_host:=HOST] [server_port:=PORT]

`config` defaults to the shipped config/record.yaml (its key `/**/mosaico_recorder` applies in any
namespace). `sequence_name`, `server_host` and `server_port` override the config file only when given;
`sequence_name` is always a string (`2024`, `true`, `{stamp}` included). Ctrl-C (SIGINT) finalizes the
sequence. A missing config file, or a recorder that exits with an error (1: fatal, 2: bad parameter),
ends the launch with exit code 1; exit 3 means the data is kept in the spool (see the README).
"""
import os

from launch import LaunchContext, LaunchDescription
from launch.actions import DeclareLaunchArgument, EmitEvent, OpaqueFunction, RegisterEventHandler
from launch.event_handlers import OnProcessExit
from launch.events import Shutdown
from launch.events.process import ProcessExited
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue
from launch_ros.substitutions import FindPackageShare

ERRORS = {1: "fatal error; what was recorded is finalized", 2: "bad parameter"}


def _overrides(context: LaunchContext) -> dict:
    """Parameters given as launch arguments; an empty argument leaves the config file's value."""
    values = {}
    name = LaunchConfiguration("sequence_name").perform(context)
    if name:
        values["sequence.name"] = ParameterValue(name, value_type=str)
    host = LaunchConfiguration("server_host").perform(context)
    if host:
        values["server.host"] = ParameterValue(host, value_type=str)
    port = LaunchConfiguration("server_port").perform(context)
    if port:
        if not port.isdigit():
            raise RuntimeError(f"server_port:={port} is not a port number (1..65535)")
        values["server.port"] = int(port)
    return values


def _recorder(context: LaunchContext) -> list:
    config = LaunchConfiguration("config").perform(context)
    if not os.path.isfile(config):
        raise RuntimeError(f"config:={config}: no such parameters file; pass an existing file (start from the "
                           "shipped share/mosaico_ros_bridge/config/record.yaml)")
    recorder = Node(
        package="mosaico_ros_bridge",
        executable="recorder",
        name="mosaico_recorder",
        namespace=LaunchConfiguration("namespace"),
        parameters=[config, _overrides(context)],
        output="screen",
        sigterm_timeout="30",
    )
    return [recorder, RegisterEventHandler(OnProcessExit(target_action=recorder, on_exit=_on_exit))]


def _on_exit(event: ProcessExited, context: LaunchContext) -> list:
    """The recorder is the point of this launch: when it ends, so does the launch; an error fails it."""
    if event.returncode in ERRORS:
        raise RuntimeError(f"mosaico_recorder exited with {event.returncode} ({ERRORS[event.returncode]}); "
                           "its log above says why")
    return [EmitEvent(event=Shutdown(reason=f"mosaico_recorder exited with {event.returncode}"))]


def generate_launch_description() -> LaunchDescription:
    default_config = PathJoinSubstitution([FindPackageShare("mosaico_ros_bridge"), "config", "record.yaml"])
    return LaunchDescription([
        DeclareLaunchArgument("config", default_value=default_config,
                              description="parameters file of the recorder (see config/record.yaml)"),
        DeclareLaunchArgument("namespace", default_value="", description="namespace of the recorder node"),
        DeclareLaunchArgument("sequence_name", default_value="",
                              description="sequence name, overriding the config's sequence.name; {stamp} becomes "
                                          "the UTC start time"),
        DeclareLaunchArgument("server_host", default_value="", description="overrides the config's server.host"),
        DeclareLaunchArgument("server_port", default_value="", description="overrides the config's server.port"),
        OpaqueFunction(function=_recorder),
    ])
