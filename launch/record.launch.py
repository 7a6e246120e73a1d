"""Start the Mosaico recorder: `ros2 launch mosaico_ros_bridge record.launch.py [config:=FILE]
[namespace:=NS] [sequence_name:=NAME]`. Launch teardown (Ctrl-C) finalizes the sequence."""
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare


def generate_launch_description() -> LaunchDescription:
    default_config = PathJoinSubstitution([FindPackageShare("mosaico_ros_bridge"), "config", "record.yaml"])
    return LaunchDescription([
        DeclareLaunchArgument("config", default_value=default_config,
                              description="parameters file of the recorder (see config/record.yaml)"),
        DeclareLaunchArgument("namespace", default_value="", description="namespace of the recorder node"),
        DeclareLaunchArgument("sequence_name", default_value="recording_{stamp}",
                              description="sequence name; {stamp} becomes the UTC start time"),
        Node(
            package="mosaico_ros_bridge",
            executable="recorder",
            name="mosaico_recorder",
            namespace=LaunchConfiguration("namespace"),
            parameters=[LaunchConfiguration("config"), {"sequence.name": LaunchConfiguration("sequence_name")}],
            output="screen",
            sigterm_timeout="30",
        ),
    ])
