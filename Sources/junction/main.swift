print("junction")
